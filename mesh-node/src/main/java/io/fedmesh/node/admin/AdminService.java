package io.fedmesh.node.admin;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.metrics.NodeMetrics;
import io.fedmesh.node.model.ModelStore;
import io.fedmesh.node.model.ModelStoreException;
import io.fedmesh.node.round.RoundControl;
import io.fedmesh.node.round.RoundStatus;
import io.fedmesh.proto.v1.AdminGrpc;
import io.fedmesh.proto.v1.Chunk;
import io.fedmesh.proto.v1.DescribeFederationRequest;
import io.fedmesh.proto.v1.DescribeFederationResponse;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.FinishedRound;
import io.fedmesh.proto.v1.ListModelsRequest;
import io.fedmesh.proto.v1.ListModelsResponse;
import io.fedmesh.proto.v1.Member;
import io.fedmesh.proto.v1.ModelInfo;
import io.fedmesh.proto.v1.PullModelRequest;
import io.fedmesh.proto.v1.RoundStatusRequest;
import io.fedmesh.proto.v1.RoundStatusResponse;
import io.fedmesh.proto.v1.StartRoundsRequest;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The {@code fedmesh.v1.Admin} service (admin.proto): a federation's rounds through this node's
 * {@link RoundControl}, the models in its store, and the federation as its config states it.
 *
 * <p>Callers reach it only past {@code AuthorizationInterceptor} with the admin role in the federation
 * their request names ({@code AuthorizationPolicy.adminService()}); the service checks the federation
 * again (NOT_FOUND if this node is in none of that name) so that it is safe on its own. Every refusal
 * is a status with a one-line description, and every call that reaches the service is counted in
 * {@code fedmesh_admin_requests_total{method,outcome}}.
 *
 * <p>Thread-safety: the service keeps no state between calls; {@code WatchRounds} polls on the timer
 * it is given (one task per open watch), and calls {@link RoundControl#status} from that thread.
 */
public final class AdminService extends AdminGrpc.AdminImplBase {
  /** The most rounds one StartRounds may ask for. */
  public static final int MAX_ROUNDS = 100_000;
  /** How often a watch asks the round control for its status. */
  public static final long WATCH_POLL_MILLIS = 200;
  /** The most finished rounds one status carries (the newest): a long run's history would outgrow a message. */
  public static final int MAX_HISTORY = 1_000;
  /** Bytes in one chunk of a pulled model (common.proto: at most 1 MiB). */
  public static final int CHUNK_BYTES = 1 << 20;
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
  private static final String NO_COORDINATOR = "this node runs no coordinator";

  private final NodeConfig config;
  private final io.fedmesh.node.ledger.FederationDirectory federations;
  private final Supplier<RoundControl> rounds;
  private final Function<String, ModelStore> models;
  private final NodeMetrics metrics;
  private final ScheduledExecutorService timer;

  /**
   * @param config the federations, their members and roles
   * @param rounds this node's coordinator driver, read at each call; null (or a supplier answering null)
   *     while none is attached, and then round calls are refused FAILED_PRECONDITION
   * @param models the model store of a federation this node is in, by federation name
   * @param timer runs the watches' polls (never blocked by them for longer than one status call)
   */
  public AdminService(NodeConfig config, io.fedmesh.node.ledger.FederationDirectory federations, Supplier<RoundControl> rounds, Function<String, ModelStore> models,
      NodeMetrics metrics, ScheduledExecutorService timer) {
    this.config = config;
    this.federations = federations;
    this.rounds = rounds == null ? () -> null : rounds;
    this.models = models;
    this.metrics = metrics;
    this.timer = timer;
  }

  @Override
  public void startRounds(StartRoundsRequest request, StreamObserver<RoundStatusResponse> response) {
    String method = "StartRounds";
    try {
      String federation = federation(request.getFederation());
      long count = Integer.toUnsignedLong(request.getRounds());
      if (count < 1 || count > MAX_ROUNDS) {
        throw refusal(Status.INVALID_ARGUMENT, "rounds must be 1 to " + MAX_ROUNDS + ", got " + count);
      }
      RoundControl control = control();
      RoundStatus status;
      try {
        status = control.start(federation, (int) count);
      } catch (IllegalArgumentException e) {
        throw refusal(Status.INVALID_ARGUMENT, e.getMessage());
      } catch (IllegalStateException e) {
        throw refusal(Status.FAILED_PRECONDITION, e.getMessage());
      } catch (RuntimeException e) {
        throw refusal(Status.INTERNAL, "the coordinator could not start rounds: " + e);
      }
      reply(method, response, response(status, 0));
    } catch (StatusException e) {
      refuse(method, response, e);
    }
  }

  @Override
  public void getRoundStatus(RoundStatusRequest request, StreamObserver<RoundStatusResponse> response) {
    String method = "GetRoundStatus";
    try {
      reply(method, response, response(status(federation(request.getFederation())), 0));
    } catch (StatusException e) {
      refuse(method, response, e);
    }
  }

  /**
   * The status now (the newest {@link #MAX_HISTORY} finished rounds), then at each poll that sees a
   * change the status again, its history holding only the rounds finished since the last message sent.
   * A poll that finds the client not ready sends nothing; the next ready one sends the latest state.
   */
  @Override
  public void watchRounds(RoundStatusRequest request, StreamObserver<RoundStatusResponse> response) {
    String method = "WatchRounds";
    String federation;
    RoundStatus first;
    try {
      federation = federation(request.getFederation());
      first = status(federation);
    } catch (StatusException e) {
      refuse(method, response, e);
      return;
    }
    ServerCallStreamObserver<RoundStatusResponse> call = (ServerCallStreamObserver<RoundStatusResponse>) response;
    Watch watch = new Watch(method, federation, call);
    call.setOnCancelHandler(watch::cancelled);
    watch.poll(first);
    if (!watch.ended()) {
      watch.schedule(timer.scheduleWithFixedDelay(watch::poll, WATCH_POLL_MILLIS, WATCH_POLL_MILLIS, TimeUnit.MILLISECONDS));
    }
  }

  /** One open WatchRounds call: what it sent so far, and its poll. Runs on the call's thread, then the timer's. */
  private final class Watch {
    private final String method;
    private final String federation;
    private final ServerCallStreamObserver<RoundStatusResponse> call;
    private RoundStatusResponse lastSent;
    private int historySent;
    private boolean ended;
    private ScheduledFuture<?> poll;

    Watch(String method, String federation, ServerCallStreamObserver<RoundStatusResponse> call) {
      this.method = method;
      this.federation = federation;
      this.call = call;
    }

    synchronized boolean ended() {
      return ended;
    }

    synchronized void schedule(ScheduledFuture<?> poll) {
      this.poll = poll;
      if (ended) {
        poll.cancel(false);
      }
    }

    synchronized void cancelled() {
      if (!ended) {
        end();
        metrics.adminRequest(method, "cancelled");
      }
    }

    void poll() {
      RoundStatus status;
      try {
        status = AdminService.this.status(federation);
      } catch (StatusException e) {
        // The driver went away, forgot the federation, or failed, while the watch was open.
        synchronized (this) {
          if (!ended) {
            end();
            refuse(method, call, e);
          }
        }
        return;
      }
      poll(status);
    }

    synchronized void poll(RoundStatus status) {
      if (ended || call.isCancelled()) {
        return;
      }
      int finished = status.history().size();
      // Fewer than already sent: the driver started over; send what it has now.
      int from = finished < historySent ? 0 : historySent;
      RoundStatusResponse now = response(status, from);
      boolean changed = lastSent == null || from < historySent || finished > historySent
          || !now.toBuilder().clearHistory().build().equals(lastSent.toBuilder().clearHistory().build());
      if (changed && (lastSent == null || call.isReady())) {
        call.onNext(now);
        lastSent = now;
        historySent = finished;
      }
      if (over(status) && historySent == finished) {
        end();
        call.onCompleted();
        metrics.adminRequest(method, "ok");
      }
    }

    private void end() {
      ended = true;
      if (poll != null) {
        poll.cancel(false);
      }
    }
  }

  /** No rounds are left and the last one has finished (or none ever ran). */
  static boolean over(RoundStatus status) {
    if (status.roundsLeft() > 0) {
      return false;
    }
    if ("idle".equals(status.phase())) {
      return true;
    }
    List<RoundStatus.Finished> history = status.history();
    return !history.isEmpty() && history.get(history.size() - 1).round() == status.round();
  }

  @Override
  public void listModels(ListModelsRequest request, StreamObserver<ListModelsResponse> response) {
    String method = "ListModels";
    try {
      String federation = federation(request.getFederation());
      ModelStore store = models.apply(federation);
      ListModelsResponse.Builder out = ListModelsResponse.newBuilder();
      try {
        List<String> ids = request.getSha256().isEmpty() ? store.list() : List.of(modelId(request.getSha256()));
        for (String id : ids) {
          ModelInfo.Builder info = ModelInfo.newBuilder().setSha256(id);
          try {
            Optional<ModelStore.StoredModel> model = store.get(id);
            if (model.isEmpty()) {
              continue;
            }
            info.setSizeBytes(model.get().blob().length).setManifest(model.get().manifest());
          } catch (ModelStoreException damaged) {
            info.setDamaged(true);
          }
          out.addModels(info);
        }
        if (!request.getSha256().isEmpty() && out.getModelsCount() == 0) {
          throw refusal(Status.NOT_FOUND, notInStore(ids.get(0), federation));
        }
      } catch (IOException e) {
        throw refusal(Status.INTERNAL, "cannot read the model store: " + e.getMessage());
      }
      reply(method, response, out.build());
    } catch (StatusException e) {
      refuse(method, response, e);
    }
  }

  /** The model's bytes as chunks, sent only while the client is ready (gRPC flow control). */
  @Override
  public void pullModel(PullModelRequest request, StreamObserver<Chunk> response) {
    String method = "PullModel";
    byte[] blob;
    try {
      String federation = federation(request.getFederation());
      String id = modelId(request.getSha256());
      Optional<ModelStore.StoredModel> model;
      try {
        model = models.apply(federation).get(id);
      } catch (ModelStoreException e) {
        throw refusal(Status.DATA_LOSS, e.getMessage());
      } catch (IOException e) {
        throw refusal(Status.INTERNAL, "cannot read model " + id + ": " + e.getMessage());
      }
      if (model.isEmpty()) {
        throw refusal(Status.NOT_FOUND, notInStore(id, federation));
      }
      blob = model.get().blob();
    } catch (StatusException e) {
      refuse(method, response, e);
      return;
    }
    ServerCallStreamObserver<Chunk> call = (ServerCallStreamObserver<Chunk>) response;
    Pull pull = new Pull(method, blob, call);
    call.setOnReadyHandler(pull::send);
    call.setOnCancelHandler(pull::cancelled);
    pull.send();
  }

  /** One PullModel call's sending: as many chunks as the client is ready for, each time it becomes ready. */
  private final class Pull {
    private final String method;
    private final byte[] blob;
    private final ServerCallStreamObserver<Chunk> call;
    private int offset;
    private boolean done;

    Pull(String method, byte[] blob, ServerCallStreamObserver<Chunk> call) {
      this.method = method;
      this.blob = blob;
      this.call = call;
    }

    synchronized void send() {
      while (!done && !call.isCancelled() && call.isReady()) {
        int length = Math.min(CHUNK_BYTES, blob.length - offset);
        boolean last = offset + length == blob.length;
        call.onNext(Chunk.newBuilder().setOffset(offset).setData(ByteString.copyFrom(blob, offset, length)).setLast(last).build());
        offset += length;
        if (last) {
          done = true;
          call.onCompleted();
          metrics.adminRequest(method, "ok");
        }
      }
    }

    synchronized void cancelled() {
      if (!done) {
        done = true;
        metrics.adminRequest(method, "cancelled");
      }
    }
  }

  @Override
  public void describeFederation(DescribeFederationRequest request, StreamObserver<DescribeFederationResponse> response) {
    String method = "DescribeFederation";
    try {
      String federation = federation(request.getFederation());
      DescribeFederationResponse.Builder out = DescribeFederationResponse.newBuilder()
          .setFederation(FederationId.newBuilder().setName(federation))
          .setRoundsYaml(roundsYaml(federation))
          .setRunsCoordinator(rounds.get() != null && rounds.get().coordinates(federation));
      for (Map.Entry<NodeId, Set<io.fedmesh.proto.v1.Role>> m : federations.members(federation).entrySet()) {
        out.addMembers(Member.newBuilder().setNode(io.fedmesh.proto.v1.NodeId.newBuilder()
            .setSha256(ByteString.copyFrom(m.getKey().toBytes()))).addAllRoles(m.getValue().stream().sorted().toList()));
      }
      reply(method, response, out.build());
    } catch (StatusException e) {
      refuse(method, response, e);
    }
  }

  /** The federation's {@code rounds:} settings in the section's shape, or "" when it has none. */
  private String roundsYaml(String federation) {
    return config.describeRounds(federation);
  }

  private String federation(FederationId id) throws StatusException {
    String name = id.getName();
    if (name.isEmpty()) {
      throw refusal(Status.INVALID_ARGUMENT, "the request names no federation");
    }
    if (!federations.knows(name)) {
      throw refusal(Status.NOT_FOUND, "this node is in no federation '" + name.substring(0, Math.min(name.length(), 80)) + "'");
    }
    return name;
  }

  /** A model id as the store names it (lower case), or INVALID_ARGUMENT. */
  private static String modelId(String sha256) throws StatusException {
    if (!SHA256_HEX.matcher(sha256).matches()) {
      throw refusal(Status.INVALID_ARGUMENT, "sha256 must be 64 hex digits, got '"
          + sha256.substring(0, Math.min(sha256.length(), 80)) + "'");
    }
    return sha256.toLowerCase(Locale.ROOT);
  }

  private static String notInStore(String id, String federation) {
    return "model " + id + " is not in the store of federation '" + federation + "'";
  }

  private RoundControl control() throws StatusException {
    RoundControl control = rounds.get();
    if (control == null) {
      throw refusal(Status.FAILED_PRECONDITION, NO_COORDINATOR);
    }
    return control;
  }

  private RoundStatus status(String federation) throws StatusException {
    Optional<RoundStatus> status;
    try {
      status = control().status(federation);
    } catch (RuntimeException e) {
      throw refusal(Status.INTERNAL, "the coordinator's status failed: " + e);
    }
    if (status.isEmpty()) {
      throw refusal(Status.NOT_FOUND, "this node never coordinated federation '" + federation + "'");
    }
    return status.get();
  }

  /** The status as sent: the finished rounds from index {@code from} on, at most the newest {@link #MAX_HISTORY}. */
  static RoundStatusResponse response(RoundStatus s, int from) {
    RoundStatusResponse.Builder out = RoundStatusResponse.newBuilder()
        .setFederation(FederationId.newBuilder().setName(s.federation()))
        .setRound(s.round()).setPhase(s.phase()).setInvited(s.invited()).setAdvertised(s.advertised())
        .setDeclined(s.declined()).setDropped(s.dropped()).setRoundsLeft(s.roundsLeft()).setModelSha256(s.modelSha256());
    List<RoundStatus.Finished> history = s.history();
    for (RoundStatus.Finished f : history.subList(Math.max(from, history.size() - MAX_HISTORY), history.size())) {
      out.addHistory(FinishedRound.newBuilder().setRound(f.round()).setOutcome(f.outcome()).setReason(f.reason())
          .setModelSha256(f.modelSha256()).setContributors(f.contributors()).setEvaluationExamples(f.evaluationExamples())
          .setLoss(f.loss()).setAccuracy(f.accuracy()).setAuc(f.auc()).setDurationMillis(f.durationMillis())
          .setHasPersonalised(!Double.isNaN(f.personalisedAccuracy())).setPersonalisedAccuracy(f.personalisedAccuracy())
          .setPersonalisedAuc(f.personalisedAuc()));
    }
    return out.build();
  }

  private <T> void reply(String method, StreamObserver<T> response, T message) {
    response.onNext(message);
    response.onCompleted();
    metrics.adminRequest(method, "ok");
  }

  private void refuse(String method, StreamObserver<?> response, StatusException e) {
    metrics.adminRequest(method, e.getStatus().getCode().name().toLowerCase(Locale.ROOT));
    response.onError(e);
  }

  /** A refusal with a one-line description (at most 500 characters). */
  private static StatusException refusal(Status status, String description) {
    String line = description == null ? "" : description.replaceAll("\\s+", " ").strip();
    return status.withDescription(line.length() > 500 ? line.substring(0, 497) + "..." : line).asException();
  }
}
