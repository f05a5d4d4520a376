package io.fedmesh.node.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** The version printed by {@code fedmesh --version}: the build's version and the Java it runs on. */
public final class FedmeshVersion implements IVersionProvider {

  /** The Maven project version this binary was built from. */
  public static String buildVersion() {
    try (InputStream in = FedmeshVersion.class.getResourceAsStream("/io/fedmesh/node/version.properties")) {
      Properties properties = new Properties();
      if (in != null) {
        properties.load(in);
      }
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  @Override
  public String[] getVersion() {
    return new String[] {
        "fedmesh " + buildVersion(),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
    };
  }
}
