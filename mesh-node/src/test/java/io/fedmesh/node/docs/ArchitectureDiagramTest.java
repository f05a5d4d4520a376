package io.fedmesh.node.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps docs/architecture.svg true to the code. Its source, docs/architecture.dot, says for every box what in
 * the code it stands for (the {@code comment} attribute; the convention is at the top of the .dot file), and
 * this test checks each of those exists: a module folder, a main source file or class, a gRPC service or
 * method that the node serves, a key of the node config. The arrows between modules must be exactly the
 * io.fedmesh dependencies of the module POMs, and every label of the source must be in the SVG, so a source
 * changed without regenerating the picture fails too.
 */
class ArchitectureDiagramTest {
  static final Path ROOT = Path.of(System.getProperty("fedmesh.root", "..")).toAbsolutePath().normalize();
  static final Path DOT = ROOT.resolve("docs/architecture.dot");
  static final Path SVG = ROOT.resolve("docs/architecture.svg");

  static final Pattern NODE = Pattern.compile("^\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*\\[(.*)\\];?\\s*$");
  static final Pattern EDGE = Pattern.compile("^\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*->\\s*([A-Za-z_][A-Za-z0-9_]*)\\b.*$");
  static final Pattern ATTRIBUTE = Pattern.compile("([A-Za-z_]+)\\s*=\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
  static final Pattern LABEL = Pattern.compile("\\blabel\\s*=\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
  static final Set<String> KEYWORDS = Set.of("graph", "node", "edge", "subgraph", "digraph");

  record Box(String id, String label, String comment) {}

  static List<String> lines() throws IOException {
    return Files.readAllLines(DOT).stream().filter(l -> !l.strip().startsWith("//")).toList();
  }

  static Map<String, Box> boxes() throws IOException {
    Map<String, Box> boxes = new LinkedHashMap<>();
    for (String line : lines()) {
      Matcher m = NODE.matcher(line);
      if (m.matches() && !KEYWORDS.contains(m.group(1)) && !line.contains("->")) {
        Map<String, String> attributes = new LinkedHashMap<>();
        Matcher a = ATTRIBUTE.matcher(m.group(2));
        while (a.find()) {
          attributes.put(a.group(1), a.group(2));
        }
        boxes.put(m.group(1), new Box(m.group(1), attributes.get("label"), attributes.get("comment")));
      }
    }
    return boxes;
  }

  @Test
  void everyBoxSaysWhatInTheCodeItIsAndThatExists() throws Exception {
    Map<String, Box> boxes = boxes();
    assertThat(boxes).hasSizeGreaterThan(20);
    List<String> problems = new ArrayList<>();
    for (Box box : boxes.values()) {
      if (box.comment() == null) {
        problems.add(box.id() + ": no comment saying what in the code it stands for");
        continue;
      }
      String problem = check(box.comment());
      if (problem != null) {
        problems.add(box.id() + " (" + box.comment() + "): " + problem);
      }
    }
    assertThat(problems).as("boxes of docs/architecture.dot that name nothing in the code").isEmpty();
  }

  /** Null if what {@code comment} names exists; otherwise what is wrong. */
  static String check(String comment) throws IOException {
    String[] kindAndWhat = comment.split(" ", 2);
    if (kindAndWhat.length < 2) {
      return "expected 'KIND WHAT'";
    }
    String what = kindAndWhat[1].strip();
    switch (kindAndWhat[0]) {
      case "module": {
        if (!Files.isRegularFile(ROOT.resolve(what).resolve("pom.xml"))) {
          return "no " + what + "/pom.xml";
        }
        return Files.readString(ROOT.resolve("pom.xml")).contains("<module>" + what + "</module>") ? null
            : "not a module of the root pom.xml";
      }
      case "class": {
        String file = what.replace('.', '/') + ".java";
        for (String module : modules()) {
          if (Files.isRegularFile(ROOT.resolve(module).resolve("src/main/java").resolve(file))) {
            return null;
          }
        }
        try {
          Class.forName(what, false, ArchitectureDiagramTest.class.getClassLoader());
          return null;
        } catch (ClassNotFoundException e) {
          return "no main source file " + file + " in any module, and no such class on the classpath";
        }
      }
      case "service":
        return service(what, null);
      case "rpc": {
        int slash = what.indexOf('/');
        return slash < 0 ? "expected fedmesh.v1.Service/Method" : service(what.substring(0, slash), what.substring(slash + 1));
      }
      case "config": {
        String config = Files.readString(ROOT.resolve("mesh-node/src/main/java/io/fedmesh/node/config/NodeConfig.java"));
        for (String key : what.split("\\.")) {
          if (!config.contains("\"" + key + "\"")) {
            return "NodeConfig reads no key \"" + key + "\"";
          }
        }
        return null;
      }
      case "none:":
        return null;
      default:
        return "unknown kind '" + kindAndWhat[0] + "' (module, class, service, rpc, config, none:)";
    }
  }

  /** Null if {@code fedmesh.v1.NAME} (and its method, if not null) is in proto/ and the node serves it. */
  static String service(String qualified, String method) throws IOException {
    if (!qualified.startsWith("fedmesh.v1.")) {
      return "only fedmesh.v1 services are checked";
    }
    String name = qualified.substring("fedmesh.v1.".length());
    Pattern declared = Pattern.compile("(?s)\\bservice\\s+" + name + "\\s*\\{(.*?)\\n\\}");
    String body = null;
    try (Stream<Path> protos = Files.walk(ROOT.resolve("proto/src/main/protobuf"))) {
      for (Path p : (Iterable<Path>) protos.filter(f -> f.toString().endsWith(".proto"))::iterator) {
        Matcher m = declared.matcher(Files.readString(p));
        if (m.find()) {
          body = m.group(1);
        }
      }
    }
    if (body == null) {
      return "no 'service " + name + "' in proto/";
    }
    if (method != null && !Pattern.compile("\\brpc\\s+" + method + "\\s*\\(").matcher(body).find()) {
      return "service " + name + " has no rpc " + method;
    }
    Class<?> grpc;
    try {
      grpc = Class.forName("io.fedmesh.proto.v1." + name + "Grpc");
    } catch (ClassNotFoundException e) {
      return "no generated io.fedmesh.proto.v1." + name + "Grpc";
    }
    if (method != null) {
      try {
        grpc.getMethod("get" + method + "Method");
      } catch (NoSuchMethodException e) {
        return name + "Grpc has no get" + method + "Method";
      }
    }
    // Served by the node: some main source of mesh-node implements or binds it.
    try (Stream<Path> sources = Files.walk(ROOT.resolve("mesh-node/src/main/java"))) {
      boolean served = sources.filter(f -> f.toString().endsWith(".java")).anyMatch(f -> {
        try {
          String s = Files.readString(f);
          return s.contains(name + "Grpc." + name + "ImplBase") || s.contains(name + "Grpc.bindService")
              || s.contains(name + "Grpc.getServiceDescriptor") || s.contains(name + "Grpc.SERVICE_NAME");
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      return served ? null : "mesh-node implements no " + name + "Grpc." + name + "ImplBase";
    }
  }

  /** The module folders of the root pom.xml. */
  static List<String> modules() throws IOException {
    List<String> modules = new ArrayList<>();
    Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(ROOT.resolve("pom.xml")));
    while (m.find()) {
      modules.add(m.group(1));
    }
    return modules;
  }

  @Test
  void moduleArrowsAreExactlyTheDependenciesOfThePoms() throws Exception {
    Map<String, Box> boxes = boxes();
    Map<String, String> folderOfBox = new LinkedHashMap<>();
    boxes.values().stream().filter(b -> b.comment() != null && b.comment().startsWith("module "))
        .forEach(b -> folderOfBox.put(b.id(), b.comment().substring("module ".length()).strip()));
    assertThat(new TreeSet<>(folderOfBox.values())).as("every module is drawn").isEqualTo(new TreeSet<>(modules()));

    Set<String> drawn = new TreeSet<>();
    for (String line : lines()) {
      Matcher e = EDGE.matcher(line);
      if (e.matches() && folderOfBox.containsKey(e.group(1)) && folderOfBox.containsKey(e.group(2))) {
        drawn.add(folderOfBox.get(e.group(1)) + " -> " + folderOfBox.get(e.group(2)));
      }
    }

    Map<String, String> folderOfArtifact = new LinkedHashMap<>();
    for (String folder : modules()) {
      String pom = Files.readString(ROOT.resolve(folder).resolve("pom.xml"));
      Matcher own = Pattern.compile("(?s)</parent>.*?<artifactId>([^<]+)</artifactId>").matcher(pom);
      assertThat(own.find()).as(folder + "/pom.xml names its artifactId").isTrue();
      folderOfArtifact.put(own.group(1), folder);
    }
    Set<String> declared = new TreeSet<>();
    Pattern dependency = Pattern.compile("(?s)<dependency>(.*?)</dependency>");
    Pattern group = Pattern.compile("<groupId>([^<]+)</groupId>");
    Pattern artifact = Pattern.compile("<artifactId>([^<]+)</artifactId>");
    for (String folder : modules()) {
      String pom = Files.readString(ROOT.resolve(folder).resolve("pom.xml"));
      // Only <dependencies>, not <dependencyManagement> or plugin dependencies of build sections.
      String withoutBuild = pom.replaceAll("(?s)<build>.*?</build>", "").replaceAll("(?s)<dependencyManagement>.*?</dependencyManagement>", "");
      Matcher d = dependency.matcher(withoutBuild);
      while (d.find()) {
        Matcher g = group.matcher(d.group(1));
        Matcher a = artifact.matcher(d.group(1));
        if (g.find() && a.find() && (g.group(1).equals("io.fedmesh") || g.group(1).equals("${project.groupId}"))
            && folderOfArtifact.containsKey(a.group(1))) {
          declared.add(folder + " -> " + folderOfArtifact.get(a.group(1)));
        }
      }
    }
    assertThat(drawn).as("module arrows of docs/architecture.dot against the POMs").isEqualTo(declared);
  }

  @Test
  void theSvgIsRenderedFromTheCurrentSource() throws Exception {
    String svg = Files.readString(SVG);
    Set<String> texts = new TreeSet<>();
    Matcher t = Pattern.compile("(?s)<text[^>]*>(.*?)</text>").matcher(svg);
    while (t.find()) {
      texts.add(unescape(t.group(1)).strip());
    }
    List<String> missing = new ArrayList<>();
    for (String line : lines()) {
      Matcher l = LABEL.matcher(line);
      while (l.find()) {
        for (String part : l.group(1).split("\\\\n")) {
          String text = part.replace("\\\"", "\"").strip();
          if (!text.isEmpty() && !texts.contains(text)) {
            missing.add(text);
          }
        }
      }
    }
    assertThat(missing).as("labels of docs/architecture.dot missing from docs/architecture.svg: regenerate it with "
        + "'dot -Tsvg docs/architecture.dot -o docs/architecture.svg'").isEmpty();
  }

  static String unescape(String xml) {
    StringBuilder out = new StringBuilder();
    Matcher m = Pattern.compile("&(#x?[0-9a-fA-F]+|amp|lt|gt|quot|apos);").matcher(xml);
    int last = 0;
    while (m.find()) {
      out.append(xml, last, m.start());
      String e = m.group(1);
      out.append(switch (e) {
        case "amp" -> "&";
        case "lt" -> "<";
        case "gt" -> ">";
        case "quot" -> "\"";
        case "apos" -> "'";
        default -> new String(Character.toChars(e.startsWith("#x") ? Integer.parseInt(e.substring(2), 16)
            : Integer.parseInt(e.substring(1))));
      });
      last = m.end();
    }
    return out.append(xml.substring(last)).toString();
  }
}
