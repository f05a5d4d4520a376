package io.fedmesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Two builds from the same commit give the same image: the profile 'image' builds base and image twice, each from
 * scratch into its own directory (target/image and target/image/again; the second reuses only the downloaded .debs,
 * so both see one Debian archive state), and this compares what they produced.
 */
class ReproducibleImageIT {
  private static final Path AGAIN = Podman.IMAGE_DIR.resolve("again");

  @Test
  void twoBuildsGiveTheSameDigest() throws Exception {
    Assumptions.assumeTrue(Files.exists(AGAIN.resolve("fedmesh-image.digest")),
        "the second build was skipped (-Dimage.again.phase=none)");
    String first = Files.readString(Podman.IMAGE_DIR.resolve("fedmesh-image.digest")).strip();
    String second = Files.readString(AGAIN.resolve("fedmesh-image.digest")).strip();
    System.out.println("image check: digest " + first + " (second build: " + second + ")");
    assertThat(first).matches("sha256:[0-9a-f]{64}");
    assertThat(sha256(Podman.IMAGE_DIR.resolve("base/base.tar"))).as("the base image tars")
        .isEqualTo(sha256(Podman.IMAGE_DIR.resolve("base-again/base.tar")));
    assertThat(second).as("the image digests").isEqualTo(first);
    assertThat(Files.readString(AGAIN.resolve("fedmesh-image.id")).strip()).as("the image ids (config digests)")
        .isEqualTo(Files.readString(Podman.IMAGE_DIR.resolve("fedmesh-image.id")).strip());
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 20];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
