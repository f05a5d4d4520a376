package io.fedmesh.node.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * Every error message docs/operations.md quotes in its "Troubleshooting" table is one the code prints.
 *
 * <p>The convention (stated in the section itself): the table's first column quotes messages in backticks,
 * with {@code …} standing for what is filled in at run time; the second column starts with who prints it.
 * For {@code fedmesh}, each fixed part (the text between {@code …}) must lie inside one string literal of
 * {@code mesh-*}{@code /src/main/java}, where adjacent literals joined by {@code +} count as one. For
 * {@code grpc-netty}, each fixed part must be in the class files of that library's jar on the classpath.
 */
class TroubleshootingMessagesTest {
  static final Path ROOT = ArchitectureDiagramTest.ROOT;
  static final Pattern LITERAL = Pattern.compile("\"((?:[^\"\\\\\\n]|\\\\.)*)\"");
  static final Pattern QUOTED = Pattern.compile("`([^`]+)`");

  record Quote(String message, String printedBy) {}

  static List<Quote> quotes() throws IOException {
    String doc = Files.readString(ROOT.resolve("docs/operations.md"));
    int start = doc.indexOf("\n## Troubleshooting\n");
    assertThat(start).as("docs/operations.md has a Troubleshooting section").isPositive();
    int end = doc.indexOf("\n## ", start + 1);
    String section = doc.substring(start, end < 0 ? doc.length() : end);
    List<Quote> quotes = new ArrayList<>();
    boolean header = true;
    for (String line : section.split("\n")) {
      if (!line.startsWith("|")) {
        header = true;
        continue;
      }
      if (header) {
        // The header row and the separator row that follows it.
        header = line.startsWith("|---") ? false : true;
        continue;
      }
      String[] cells = line.split("(?<!\\\\)\\|", -1);
      assertThat(cells.length).as("a table row with at least two columns: " + line).isGreaterThan(3);
      String printedBy = cells[2].strip().split("[\\s(]", 2)[0];
      Matcher q = QUOTED.matcher(cells[1]);
      int found = 0;
      while (q.find()) {
        quotes.add(new Quote(q.group(1), printedBy));
        found++;
      }
      assertThat(found).as("a row quotes at least one message: " + line).isPositive();
    }
    return quotes;
  }

  /** Every string literal of the main sources, adjacent literals joined with + merged, unescaped. */
  static List<String> literals() throws IOException {
    List<String> literals = new ArrayList<>();
    try (Stream<Path> modules = Files.list(ROOT)) {
      for (Path module : (Iterable<Path>) modules.filter(m -> m.getFileName().toString().startsWith("mesh-"))::iterator) {
        Path main = module.resolve("src/main/java");
        if (!Files.isDirectory(main)) {
          continue;
        }
        try (Stream<Path> files = Files.walk(main)) {
          for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
            String source = Files.readString(f).replaceAll("\"\\s*\\+\\s*\"", "");
            Matcher m = LITERAL.matcher(source);
            while (m.find()) {
              literals.add(unescape(m.group(1)));
            }
          }
        }
      }
    }
    return literals;
  }

  static String unescape(String java) {
    return java.replace("\\n", "\n").replace("\\t", "\t").replace("\\\"", "\"").replace("\\'", "'").replace("\\\\", "\\");
  }

  static List<String> pieces(String message) {
    List<String> pieces = new ArrayList<>();
    for (String piece : message.split("…")) {
      if (!piece.isEmpty()) {
        pieces.add(piece);
      }
    }
    return pieces;
  }

  @Test
  void everyQuotedMessageIsOneTheCodePrints() throws Exception {
    List<Quote> quotes = quotes();
    assertThat(quotes).hasSizeGreaterThan(20);
    List<String> literals = literals();
    List<String> libraryClasses = null;
    List<String> problems = new ArrayList<>();
    for (Quote quote : quotes) {
      List<String> pieces = pieces(quote.message());
      if (pieces.stream().mapToInt(String::length).sum() < 8) {
        problems.add("'" + quote.message() + "': too little fixed text to find it anywhere");
        continue;
      }
      switch (quote.printedBy()) {
        case "fedmesh" -> {
          for (String piece : pieces) {
            if (literals.stream().noneMatch(l -> l.contains(piece))) {
              problems.add("'" + quote.message() + "': no string literal in mesh-*/src/main/java contains '" + piece + "'");
            }
          }
        }
        case "grpc-netty" -> {
          if (libraryClasses == null) {
            libraryClasses = classText("grpc-netty-");
          }
          for (String piece : pieces) {
            if (libraryClasses.stream().noneMatch(c -> c.contains(piece))) {
              problems.add("'" + quote.message() + "': not in grpc-netty's classes: '" + piece + "'");
            }
          }
        }
        default -> problems.add("'" + quote.message() + "': printed by '" + quote.printedBy() + "' (fedmesh or grpc-netty)");
      }
    }
    assertThat(problems).as("messages in docs/operations.md, Troubleshooting, that the code does not print").isEmpty();
  }

  /** The class files of the classpath jar whose name starts with {@code prefix}, as ISO-8859-1 text. */
  static List<String> classText(String prefix) throws IOException {
    List<String> classes = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      Path jar = Path.of(entry);
      if (!jar.getFileName().toString().startsWith(prefix) || !entry.endsWith(".jar")) {
        continue;
      }
      try (ZipFile zip = new ZipFile(jar.toFile())) {
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
          ZipEntry e = entries.nextElement();
          if (e.getName().endsWith(".class")) {
            try (InputStream in = zip.getInputStream(e)) {
              ByteArrayOutputStream out = new ByteArrayOutputStream();
              in.transferTo(out);
              classes.add(out.toString(StandardCharsets.ISO_8859_1));
            }
          }
        }
      }
    }
    assertThat(classes).as("classes of " + prefix + "*.jar on the test classpath").isNotEmpty();
    return classes;
  }

  @Test
  void theConventionCatchesAMessageTheCodeDoesNotPrint() throws Exception {
    List<String> literals = literals();
    assertThat(pieces("node … leads term … of the ledger group")).allMatch(p -> literals.stream().anyMatch(l -> l.contains(p)));
    assertThat(pieces("node … leads the term … of the ledger group")).anyMatch(p -> literals.stream().noneMatch(l -> l.contains(p)));
    // Concatenated literals count as one: "...move its key " + "aside, ..." in CaCommand.
    assertThat(literals).anyMatch(l -> l.contains("a CA is already here (to replace it, move its key aside"));
  }
}
