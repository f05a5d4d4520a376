package io.fedmesh.node.config;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.federation.PrivacySettings;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.strategy.AdaptiveOptions;
import io.fedmesh.ml.strategy.Algorithm;
import io.fedmesh.ml.train.Personalisation;
import io.fedmesh.ml.train.TrainingOptions;
import io.fedmesh.proto.v1.Role;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A federation's {@code rounds:} section (see {@link NodeConfig}) read into {@link FederationSettings}. */
final class RoundsSection {
  private static final Set<String> KEYS = Set.of("coordinator", "model", "input_shape", "classes", "init_seed", "strategy",
      "server_lr", "training", "participants", "deadlines_ms", "targets", "weight_cap", "unit_weights", "clip_norm", "dp", "server_optimizer", "personalisation");
  /** The defaults, from the one place that defines them (the coordinator, model, shape and classes are placeholders). */
  static final FederationSettings DEFAULTS = FederationSettings.defaults(NodeId.ofBytes(new byte[NodeId.BYTES]),
      ModelSpec.logistic(), new int[] {1}, 2);
  private static final long MAX_DEADLINE = 86_400_000L;

  private RoundsSection() {}

  /**
   * @param members the federation's members and their roles (the coordinator must be coordinator-eligible)
   * @param base the config file's directory (a {@code .json} model spec is read relative to it)
   * @return the settings, or null after adding one problem or more to {@code problems}
   */
  static FederationSettings parse(Section s, Map<NodeId, Set<Role>> members, Path base, List<String> problems) {
    int before = problems.size();
    FederationSettings d = DEFAULTS;
    s.known(KEYS);
    s.require("coordinator", "model", "input_shape", "classes");
    boolean elected = s.has("coordinator") && "elected".equals(String.valueOf(s.raw("coordinator")));
    NodeId coordinator = elected ? FederationSettings.ELECTED : s.has("coordinator") ? s.nodeId("coordinator") : null;
    if (elected && members.values().stream().noneMatch(r -> r.contains(Role.ROLE_COORDINATOR_ELIGIBLE))) {
      s.problem("coordinator", "elected, but the federation lists no coordinator-eligible member");
    } else if (elected) {
      // the Raft leader among the coordinator-eligible members coordinates
    } else if (coordinator != null && !members.containsKey(coordinator)) {
      s.problem("coordinator", coordinator.hex() + " is not a member of this federation");
    } else if (coordinator != null && !members.get(coordinator).contains(Role.ROLE_COORDINATOR_ELIGIBLE)) {
      s.problem("coordinator", coordinator.hex() + " is a member without role coordinator-eligible");
    }
    ModelSpec model = s.has("model") ? model(s, base) : null;
    int[] shape = s.has("input_shape") ? inputShape(s) : null;
    int classes = s.integer("classes", 2, 2, 10_000);
    long initSeed = s.whole("init_seed", d.initSeed(), Long.MIN_VALUE, Long.MAX_VALUE);
    String strategy = s.text("strategy", d.strategy());
    try {
      strategy = Algorithm.parse(strategy).text();
    } catch (IllegalArgumentException e) {
      s.problem("strategy", e.getMessage());
    }
    Section so = s.section("server_optimizer").known(Set.of("beta_1", "beta_2", "tau"));
    double beta1 = so.number("beta_1", d.adaptive().beta1(), "a number in [0, 1)", v -> v >= 0 && v < 1);
    double beta2 = so.number("beta_2", d.adaptive().beta2(), "a number in [0, 1)", v -> v >= 0 && v < 1);
    double tau = so.number("tau", d.adaptive().tau(), "a number in (0, 1]", v -> v > 0 && v <= 1);
    Section ps = s.section("personalisation").known(Set.of("private_layers", "fine_tune_epochs"));
    List<String> privateLayers = new java.util.ArrayList<>();
    if (ps.has("private_layers")) {
      List<?> names = ps.list("private_layers", "a list of parameter-name prefixes");
      if (names != null) {
        for (Object n : names) {
          if (n instanceof String text && !text.isBlank() && text.length() <= 200) {
            privateLayers.add(text);
          } else {
            ps.problem("private_layers", "expected parameter-name prefixes (non-empty text), got " + Section.describe(n));
          }
        }
      }
    }
    int fineTune = ps.integer("fine_tune_epochs", d.personalisation().fineTuneEpochs(), 0, 1000);
    double serverLr = s.number("server_lr", d.serverLearningRate(), "a positive number", v -> v > 0);
    TrainingOptions training = training(s.section("training"), d.training(), problems);
    if (training != null && strategy.equals("fedprox") && training.proximalMu() == 0) {
      s.problem("strategy", "fedprox needs training.proximal_mu > 0 (with 0 it is fedavg)");
    } else if (training != null && strategy.equals("fedavg") && training.proximalMu() > 0) {
      s.problem("training.proximal_mu", "a proximal term is FedProx: set strategy: fedprox, or proximal_mu: 0");
    }
    Section p = s.section("participants").known(Set.of("min", "max", "sampling"));
    int min = p.integer("min", d.minParticipants(), 2, 100_000);
    int max = p.integer("max", d.maxParticipants(), 2, 100_000);
    if (min > max) {
      problems.add(p.path() + ": min (" + min + ") must not exceed max (" + max + ")");
    }
    double sampling = p.number("sampling", d.sampling(), "a number in (0, 1]", v -> v > 0 && v <= 1);
    Section dl = s.section("deadlines_ms").known(Set.of("train", "phase", "evaluation"));
    long train = dl.whole("train", d.trainDeadlineMillis(), 100, MAX_DEADLINE);
    long phase = dl.whole("phase", d.phaseDeadlineMillis(), 100, MAX_DEADLINE);
    long evaluation = dl.whole("evaluation", d.evaluationDeadlineMillis(), 100, MAX_DEADLINE);
    Section t = s.section("targets").known(Set.of("dropout", "corrupt"));
    double dropout = t.number("dropout", d.targetDropout(), "a fraction in [0, 0.5)", v -> v >= 0 && v < 0.5);
    double corrupt = t.number("corrupt", d.targetCorrupt(), "a fraction in [0, 0.5)", v -> v >= 0 && v < 0.5);
    long weightCap = s.whole("weight_cap", d.weightCap(), 1, 1L << 40);
    boolean unitWeights = s.bool("unit_weights", d.unitWeights());
    double clipNorm = s.number("clip_norm", d.clipNorm(), "a positive number", v -> v > 0);
    Section dp = s.section("dp").known(Set.of("noise_multiplier", "delta", "mode", "ddg_bits", "ddg_beta", "dp_sgd"));
    double noise = dp.number("noise_multiplier", d.noiseMultiplier(), "a number >= 0", v -> v >= 0);
    double delta = dp.number("delta", d.delta(), "a number in (0, 1)", v -> v > 0 && v < 1);
    if (noise > 0 && !unitWeights) {
      dp.problem("noise_multiplier", "DP rounds need unit_weights: true (the accountant assumes every update weighs 1)");
    }
    PrivacySettings privacy = privacy(dp, d.privacy());
    if (problems.size() > before) {
      return null;
    }
    try {
      return new FederationSettings(coordinator, model, shape, classes, initSeed, strategy, serverLr, training, min, max,
          sampling, train, phase, evaluation, dropout, corrupt, weightCap, unitWeights, clipNorm, noise, delta, privacy,
          new AdaptiveOptions(beta1, beta2, tau), new Personalisation(privateLayers, fineTune));
    } catch (IllegalArgumentException e) {
      problems.add(s.path() + ": " + e.getMessage());
      return null;
    }
  }

  /**
   * dp.mode (central | distributed), dp.ddg_bits, dp.ddg_beta and dp.dp_sgd {clip_norm, noise_multiplier,
   * batch_size}; null after recording a problem.
   */
  private static PrivacySettings privacy(Section dp, PrivacySettings d) {
    String modeText = dp.text("mode", d.mode().text());
    PrivacySettings.Mode mode = d.mode();
    try {
      mode = PrivacySettings.Mode.parse(modeText);
    } catch (IllegalArgumentException e) {
      dp.problem("mode", "expected central or distributed, got '" + modeText + "'");
    }
    int bits = dp.integer("ddg_bits", d.ddgBits(), 2, 32);
    double beta = dp.number("ddg_beta", d.ddgBeta(), "a number in [0, 1)", v -> v >= 0 && v < 1);
    PrivacySettings.DpSgd dpSgd = null;
    if (dp.present("dp_sgd")) {
      Section g = dp.section("dp_sgd").known(Set.of("clip_norm", "noise_multiplier", "batch_size"));
      if (g.require("clip_norm", "noise_multiplier", "batch_size")) {
        double clip = g.number("clip_norm", 1, "a positive number", v -> v > 0);
        double sigma = g.number("noise_multiplier", 1, "a positive number", v -> v > 0);
        int batch = g.integer("batch_size", 1, 1, 1_000_000);
        dpSgd = new PrivacySettings.DpSgd(clip, sigma, batch);
      }
    }
    return new PrivacySettings(mode, bits, beta, dpSgd);
  }

  private static ModelSpec model(Section s, Path base) {
    String text = s.text("model", null);
    if (text == null) {
      return null;
    }
    // Files are relative to the config file: a .json spec, a short form's TorchScript file (torchscript:PATH#SHA256),
    // and (relative to the .json spec's own directory) a TorchScript file named in a spec. A TorchScript file is read
    // and its SHA-256 checked here, so a wrong file is a config error, not a failure at the first round.
    try {
      return ModelSpec.parse(text, base);
    } catch (IllegalArgumentException e) {
      s.problem("model", e.getMessage());
      return null;
    }
  }

  private static int[] inputShape(Section s) {
    List<?> dims = s.list("input_shape", "a list of dimensions such as [30] or [1, 28, 28]");
    if (!(s.raw("input_shape") instanceof List<?>)) {
      return null;
    }
    if (dims.isEmpty() || dims.size() > 8) {
      s.problem("input_shape", "expected 1 to 8 dimensions such as [30] or [1, 28, 28], got " + dims.size());
      return null;
    }
    int[] shape = new int[dims.size()];
    for (int i = 0; i < shape.length; i++) {
      Object v = dims.get(i);
      if (!(v instanceof Integer n) || n < 1 || n > 1 << 20) {
        s.problem("input_shape", "expected dimensions from 1 to " + (1 << 20) + ", got " + Section.describe(v));
        return null;
      }
      shape[i] = n;
    }
    return shape;
  }

  private static TrainingOptions training(Section t, TrainingOptions d, List<String> problems) {
    int before = problems.size();
    t.known(Set.of("optimizer", "learning_rate", "epochs", "batch_size", "proximal_mu"));
    TrainingOptions.Optimizer optimizer = d.optimizer();
    if (t.has("optimizer")) {
      String name = t.text("optimizer", "sgd");
      try {
        optimizer = TrainingOptions.Optimizer.parse(name);
      } catch (IllegalArgumentException e) {
        t.problem("optimizer", "expected sgd or adam, got '" + name + "'");
      }
    }
    double lr = t.number("learning_rate", d.learningRate(), "a positive number", v -> v > 0);
    int epochs = t.integer("epochs", d.epochs(), 1, 10_000);
    int batch = t.integer("batch_size", d.batchSize(), 1, 1 << 20);
    double mu = t.number("proximal_mu", d.proximalMu(), "a number >= 0", v -> v >= 0);
    if (problems.size() > before) {
      return null;
    }
    try {
      return new TrainingOptions(optimizer, lr, epochs, batch, mu);
    } catch (IllegalArgumentException e) {
      problems.add(t.path() + ": " + e.getMessage());
      return null;
    }
  }

  /** The settings in the shape of the {@code rounds:} section (the model as described, for people). */
  static String render(FederationSettings f) {
    var t = f.training();
    return String.format(java.util.Locale.ROOT, "coordinator: %s%nmodel: %s%ninput_shape: %s%nclasses: %d%ninit_seed: %d%n"
        + "strategy: %s%nserver_lr: %s%nserver_optimizer: {beta_1: %s, beta_2: %s, tau: %s}%n"
        + "personalisation: {private_layers: %s, fine_tune_epochs: %d}%ntraining: {optimizer: %s, learning_rate: %s, epochs: %d, batch_size: %d, proximal_mu: %s}%n"
        + "participants: {min: %d, max: %d, sampling: %s}%ndeadlines_ms: {train: %d, phase: %d, evaluation: %d}%n"
        + "targets: {dropout: %s, corrupt: %s}%nweight_cap: %d%nunit_weights: %s%nclip_norm: %s%n"
        + "dp: {noise_multiplier: %s, delta: %s, mode: %s, ddg_bits: %d, ddg_beta: %s%s}%n", f.elected() ? "elected" : f.coordinator().hex(), f.model().describe(),
        java.util.Arrays.toString(f.inputShape()), f.classes(), f.initSeed(), f.strategy(), f.serverLearningRate(),
        f.adaptive().beta1(), f.adaptive().beta2(), f.adaptive().tau(), f.personalisation().privateLayers(),
        f.personalisation().fineTuneEpochs(),
        t.optimizer().name().toLowerCase(java.util.Locale.ROOT), t.learningRate(), t.epochs(), t.batchSize(), t.proximalMu(),
        f.minParticipants(), f.maxParticipants(), f.sampling(), f.trainDeadlineMillis(), f.phaseDeadlineMillis(),
        f.evaluationDeadlineMillis(), f.targetDropout(), f.targetCorrupt(), f.weightCap(), f.unitWeights(), f.clipNorm(),
        f.noiseMultiplier(), f.delta(), f.privacy().mode().text(), f.privacy().ddgBits(), f.privacy().ddgBeta(),
        f.privacy().dpSgd() == null ? "" : String.format(java.util.Locale.ROOT,
            ", dp_sgd: {clip_norm: %s, noise_multiplier: %s, batch_size: %d}", f.privacy().dpSgd().clipNorm(),
            f.privacy().dpSgd().noiseMultiplier(), f.privacy().dpSgd().batchSize()));
  }
}
