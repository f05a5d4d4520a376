package io.fedmesh.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.coordinator.round.ModelBlob;
import io.fedmesh.node.round.RoundStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A federation of real nodes training a model exported by PyTorch: every node names the TorchScript file by
 * its SHA-256 in its own config; the one holding another file declines the round (its plan's model is not
 * its federation's), and the others commit a model of the module's parameter count.
 */
class TorchScriptOverTheWireTest {
  static final String FED = "card-fraud";
  static final int PARTICIPANTS = 5;
  /** Debian's interpreter by path: a pyenv python3 on PATH has no torch. CI installs python3-torch. */
  static final String PYTHON = "/usr/bin/python3";

  @TempDir
  Path dir;

  @Test
  void participantsHoldingTheNamedFileContributeAndOneHoldingAnotherDeclines() throws Exception {
    Path models = Files.createDirectories(dir.resolve("models"));
    long count = export(models.resolve("fraud.pt"), 7);
    export(models.resolve("other.pt"), 8);
    String sha = sha256(models.resolve("fraud.pt"));
    String otherSha = sha256(models.resolve("other.pt"));
    // The JSON form, its file relative to the spec, the spec relative to each node's config (all in dir).
    Files.writeString(models.resolve("fraud.json"), "{\"type\": \"torchscript\", \"file\": \"fraud.pt\", \"sha256\": \"" + sha + "\"}");

    TestMesh mesh = new TestMesh(dir.resolve("ca"), "FedMesh consortium CA");
    TestMesh.Identity c = mesh.node("coordinator");
    List<TestMesh.Identity> ps = new ArrayList<>();
    for (int i = 0; i < PARTICIPANTS; i++) {
      ps.add(mesh.node("participant" + i));
    }
    StringBuilder members = new StringBuilder("federations:\n  " + FED + ":\n    members:\n      " + c.id().hex()
        + ": [coordinator-eligible, admin]\n");
    ps.forEach(p -> members.append("      ").append(p.id().hex()).append(": [participant]\n"));
    String timing = "gossip: {probe_interval_ms: 200, probe_timeout_ms: 100}\n";
    NodeServer coordinator = mesh.start(dir, c, timing + members + rounds(c, "models/fraud.json"));
    List<NodeServer> participants = new ArrayList<>();
    try {
      String seed = "seeds: [" + c.id().hex() + "@127.0.0.1:" + coordinator.port() + "]\n";
      for (int i = 0; i < PARTICIPANTS; i++) {
        // The last participant's config names another file (by its own, correct, hash).
        String model = i == PARTICIPANTS - 1 ? "\"torchscript:models/other.pt#" + otherSha + "\"" : "models/fraud.json";
        String own = "participant:\n  " + FED + ":\n    data: {synthetic: {institution: " + i + ", institutions: " + PARTICIPANTS
            + ", rows: 300, seed: 7}}\n    holdout: 0.2\n    policy: {targets: {dropout: 0.2, corrupt: 0.0}}\n";
        participants.add(mesh.start(dir, ps.get(i), timing + seed + members + rounds(c, model) + own));
      }
      assertThat(TestMesh.waitFor(() -> coordinator.members().size() == PARTICIPANTS + 1 && coordinator.members().values()
          .stream().allMatch(m -> m.state() == io.fedmesh.proto.v1.MemberState.MEMBER_STATE_ALIVE), 30_000))
          .as("the coordinator sees every participant alive").isTrue();

      coordinator.rounds().start(FED, 1);
      assertThat(TestMesh.waitFor(() -> coordinator.rounds().status(FED).orElseThrow().history().size() == 1, 120_000))
          .as("round 1 finished").isTrue();
      RoundStatus.Finished first = coordinator.rounds().status(FED).orElseThrow().history().get(0);
      assertThat(first.outcome()).as(first.reason()).isEqualTo("committed");
      assertThat(first.contributors()).isEqualTo(PARTICIPANTS - 1);
      assertThat(TestMesh.metric(participants.get(PARTICIPANTS - 1), "fedmesh_participant_rounds_total{federation=\"card-fraud\",outcome=\"declined\""))
          .as("the participant holding another file declined").isEqualTo(1);
      byte[] blob = coordinator.rounds().store(FED).get(first.modelSha256()).orElseThrow().blob();
      assertThat(ModelBlob.decode(blob, (int) count)).hasSize((int) count);
      assertThat(coordinator.rounds().store(FED).get(first.modelSha256()).orElseThrow().manifest())
          .startsWith("0.weight [16, 12] 0\n0.bias [16] 192\n");
    } finally {
      participants.forEach(NodeServer::close);
      coordinator.close();
    }
  }

  private static String rounds(TestMesh.Identity c, String model) {
    return "    rounds:\n      coordinator: " + c.id().hex() + "\n      model: " + model + "\n      input_shape: [12]\n      classes: 2\n"
        + "      training: {optimizer: sgd, learning_rate: 0.1, epochs: 1, batch_size: 100000}\n"
        + "      participants: {min: 4, max: 100}\n      deadlines_ms: {train: 20000, phase: 10000, evaluation: 10000}\n"
        + "      targets: {dropout: 0.2, corrupt: 0.0}\n      weight_cap: 1000\n      clip_norm: 5.0\n";
  }

  /** Scripts Linear(12, 16) - ReLU - Linear(16, 2) with PyTorch into {@code file}; its parameter count. */
  private static long export(Path file, int seed) throws Exception {
    Process check = new ProcessBuilder(PYTHON, "-c", "import torch").redirectErrorStream(true).start();
    check.getInputStream().readAllBytes();
    Assumptions.assumeTrue(check.waitFor() == 0,
        "skipped: " + PYTHON + " cannot import torch (install Debian's python3-torch), so there is no model to export");
    Process p = new ProcessBuilder(PYTHON, "-c", String.join("\n",
        "import sys, torch",
        "torch.manual_seed(" + seed + ")",
        "net = torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))",
        "torch.jit.script(net).save(sys.argv[1])",
        "print(sum(p.numel() for p in net.parameters()))"), file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor()).as(out).isZero();
    return Long.parseLong(out.substring(out.lastIndexOf('\n') + 1).strip());
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
