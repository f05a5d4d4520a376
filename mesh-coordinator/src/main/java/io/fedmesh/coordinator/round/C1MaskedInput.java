package io.fedmesh.coordinator.round;

import io.fedmesh.crypto.secagg.server.Outgoing;
import io.fedmesh.proto.v1.RoundMessage;
import io.fedmesh.proto.v1.SecAggMessage;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The masked-input phase with uploads bounded ({@code RoundPlan.max_concurrent_uploads}): the server
 * stages each upload until it is complete, so only that many participants get the shares that start
 * their upload at a time; each finished upload (or complaint) lets the next one in. A slot whose upload
 * is not complete one phase deadline after it was granted is taken back, and its late chunks are
 * refused (that participant counts as dropped), so a silent participant holds up nobody for long. The
 * phase lasts at most one phase deadline per wave, and closes as soon as everyone has answered.
 *
 * <p>The engine has no clock, only its timer: it ticks {@link #TICKS} times per phase deadline and a
 * slot is taken back {@link #TICKS} ticks after the one it was granted in, so a slot granted between
 * ticks (an earlier upload finished) gets more than 9/10 of a phase deadline, never what is left of an
 * interval (red team: with one timer per deadline, slots granted at 0.8 D were cut at D).
 */
final class C1MaskedInput implements CoordinatorState {
  static final int TICKS = 10;
  private final int bound;
  private final Deque<Outgoing> waiting;
  private final Map<Integer, Integer> uploading = new HashMap<>();
  private final Map<Integer, Integer> chunks = new HashMap<>();
  private final Set<Integer> cut = new HashSet<>();
  private int tick;

  C1MaskedInput(CoordinatorContext ctx, List<Outgoing> shares, List<RoundAction> out) {
    this.bound = ctx.plan.getMaxConcurrentUploads();
    this.waiting = new ArrayDeque<>(shares);
    release(ctx, out);
    out.add(ctx.timer(tickMillis(ctx)));
  }

  private static long tickMillis(CoordinatorContext ctx) {
    return Math.max(1, ctx.settings.phaseDeadlineMillis() / TICKS);
  }

  /** Whether the bound applies to {@code outgoing}: the shares that start uploads, for more than the bound. */
  static boolean applies(CoordinatorContext ctx, List<Outgoing> outgoing) {
    int bound = ctx.plan.getMaxConcurrentUploads();
    return bound > 0 && outgoing.size() > bound && outgoing.get(0).message().hasSharesForYou();
  }

  @Override
  public String name(CoordinatorContext ctx) {
    return "masked_input";
  }

  @Override
  public CoordinatorState onMessage(CoordinatorContext ctx, int client, RoundMessage message, List<RoundAction> out) {
    if (!message.hasSecagg()) {
      return CoordinatorState.super.onMessage(ctx, client, message, out);
    }
    SecAggMessage m = message.getSecagg();
    boolean upload = m.hasMaskedInputChunk() || m.hasShareComplaint();
    if (upload && !uploading.containsKey(client)) {
      // Not its turn, or its slot was taken back: nothing of it is staged. Not blamed (a relay may be slow).
      String reason = cut.contains(client) ? "late" : "not_uploading";
      out.add(new RoundAction.Refused(ctx.cohort.get(client), reason, m.getBodyCase() + " outside its upload slot"));
      ctx.count(reason);
      return this;
    }
    ctx.lastAccepted = false;
    CoordinatorState next = ctx.toServer(client, m, this, out);
    if (upload && ctx.lastAccepted) {
      int count = chunks.merge(client, 1, Integer::sum);
      if (m.hasShareComplaint() || count == ctx.params.chunkCount()) {
        uploading.remove(client);
        if (next == this) {
          release(ctx, out);
        }
      }
    }
    return next;
  }

  @Override
  public CoordinatorState onDeadline(CoordinatorContext ctx, List<RoundAction> out) {
    tick++;
    uploading.entrySet().removeIf(slot -> {
      if (tick - slot.getValue() >= TICKS) {
        cut.add(slot.getKey());
        ctx.server.dropUpload(slot.getKey()); // its staged chunks go now: the next wave's count against the bound
        return true;
      }
      return false;
    });
    release(ctx, out);
    if (waiting.isEmpty() && uploading.isEmpty()) {
      return ctx.deadline(this, out);
    }
    out.add(ctx.timer(tickMillis(ctx)));
    return this;
  }

  private void release(CoordinatorContext ctx, List<RoundAction> out) {
    while (uploading.size() < bound && !waiting.isEmpty()) {
      Outgoing o = waiting.poll();
      uploading.put(o.to(), tick);
      ctx.send(List.of(o), out);
    }
  }
}
