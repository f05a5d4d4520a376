package io.fedmesh.coordinator.round;

import io.fedmesh.crypto.secagg.server.Outgoing;
import java.util.List;

/**
 * The unmask requests are ready but held until the driver releases them: with an elected coordinator,
 * once the ledger committed the unmask authorisation and a majority of coordinator-eligible nodes
 * endorsed it (the endorsements travel with each request). If no release comes within a phase
 * deadline, the round aborts.
 */
final class C2AwaitingUnmaskRelease implements CoordinatorState {
  private final List<Outgoing> held;

  C2AwaitingUnmaskRelease(List<Outgoing> held) {
    this.held = List.copyOf(held);
  }

  @Override
  public String name(CoordinatorContext ctx) {
    return "awaiting_unmask_release";
  }

  @Override
  public CoordinatorState onUnmaskReleased(CoordinatorContext ctx, List<io.fedmesh.proto.v1.UnmaskEndorsement> endorsements,
      List<RoundAction> out) {
    ctx.send(held, endorsements, out);
    out.add(ctx.timer(ctx.settings.phaseDeadlineMillis()));
    return new C1Aggregating();
  }

  @Override
  public CoordinatorState onDeadline(CoordinatorContext ctx, List<RoundAction> out) {
    return ctx.abort("unmasking was not released in time", out);
  }
}
