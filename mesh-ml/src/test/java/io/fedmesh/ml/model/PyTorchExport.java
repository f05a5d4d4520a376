package io.fedmesh.ml.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Exports TorchScript models with the real PyTorch (Debian's {@code python3-torch}), as a federation would,
 * so the tests load what PyTorch writes rather than a file we made ourselves. Tests that use it are skipped,
 * with a message saying why, where {@code /usr/bin/python3} has no torch; CI installs it ({@code .ci/run}).
 */
final class PyTorchExport {
  /** Debian's interpreter, by path: a pyenv python3 earlier on PATH has no torch. */
  static final Path PYTHON = Path.of("/usr/bin/python3");

  /** The fixed input every export also runs, so a test can compare DJL's output with PyTorch's. */
  static final String PROBE = "torch.arange(2 * INPUT, dtype=torch.float32).reshape(2, INPUT) / 10 - 1";

  private PyTorchExport() {}

  /** What PyTorch said about the module it saved. */
  record Exported(Path file, String sha256, long parameterCount, float[] probeOutput, String parameterNames) {}

  /** Skips the calling test unless {@code /usr/bin/python3} imports torch. */
  static void assumeTorch() {
    boolean ok;
    try {
      Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import torch").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      ok = p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      ok = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ok = false;
    }
    Assumptions.assumeTrue(ok, "skipped: " + PYTHON + " cannot import torch (install Debian's python3-torch, "
        + "as .ci/run does) so there is no PyTorch to export the TorchScript model with");
  }

  /**
   * Saves {@code torch.jit.script} (or {@code trace} when {@code trace}) of the module {@code body} builds to
   * {@code dir/name}. {@code body} is Python defining {@code net} from {@code INPUT}, the input width.
   */
  static Exported export(Path dir, String name, int input, String body, boolean trace) throws Exception {
    assumeTorch();
    Path file = dir.resolve(name);
    Path script = dir.resolve(name + ".py");
    Files.writeString(script, String.join("\n",
        "import hashlib, json, sys, torch",
        "torch.manual_seed(7)",
        "INPUT = " + input,
        body,
        "net.eval()",
        "x = " + PROBE,
        "m = torch.jit.trace(net, x) if " + (trace ? "True" : "False") + " else torch.jit.script(net)",
        "m.save(sys.argv[1])",
        "with torch.no_grad():",
        "    y = m(x)",
        "print(json.dumps({'sha256': hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest(),",
        "    'count': sum(p.numel() for p in m.parameters()),",
        "    'names': ','.join(n for n, _ in m.named_parameters()),",
        "    'output': y.flatten().tolist()}))",
        ""));
    Process p = new ProcessBuilder(PYTHON.toString(), script.toString(), file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("python export finished").isTrue();
    assertThat(p.exitValue()).as("python export failed:\n%s", out).isZero();
    // torch may print warnings first: the answer is the last line.
    String[] lines = out.strip().split("\n");
    JsonObject o = JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
    var outputs = o.getAsJsonArray("output");
    float[] y = new float[outputs.size()];
    for (int i = 0; i < y.length; i++) {
      y[i] = outputs.get(i).getAsFloat();
    }
    return new Exported(file, o.get("sha256").getAsString(), o.get("count").getAsLong(), y, o.get("names").getAsString());
  }

  /** Linear(INPUT, 16) - ReLU - Linear(16, classes). */
  static String mlp(int classes) {
    return String.join("\n",
        "class Net(torch.nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
        "        self.fc1 = torch.nn.Linear(INPUT, 16)",
        "        self.fc2 = torch.nn.Linear(16, " + classes + ")",
        "    def forward(self, x):",
        "        return self.fc2(torch.relu(self.fc1(x)))",
        "net = Net()");
  }
}
