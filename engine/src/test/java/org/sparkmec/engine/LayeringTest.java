package org.sparkmec.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The engine's packages form layers, and no class imports (or names in code) a class of a higher layer: the
 * folder tree reads bottom-up as the architecture (docs/design.md). Checked on the sources, so a new upward
 * import, or a package without a layer, fails here with the file and the rule.
 */
class LayeringTest {
    private static final String ROOT = "org.sparkmec.engine.";
    private static final Path SOURCES = Path.of("src/main/java/org/sparkmec/engine");

    /** Layer of every engine package, lowest first; a package may use its own layer and the ones below. */
    static final Map<String, Integer> LAYERS = Map.ofEntries(
            Map.entry("io", 0), Map.entry("config", 0),
            Map.entry("tensor", 1),
            Map.entry("memory", 2),
            Map.entry("shape", 3),
            Map.entry("backend", 4),
            Map.entry("backend.cpu", 5), Map.entry("backend.cuda", 5),
            Map.entry("conv", 6),
            Map.entry("runtime", 7),
            Map.entry("nn", 8), Map.entry("data", 8),
            Map.entry("optim", 9),
            Map.entry("model", 10),
            Map.entry("train", 11), Map.entry("bench", 11));

    private static final Pattern PACKAGE = Pattern.compile("^package org\\.sparkmec\\.engine\\.([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern REFERENCE = Pattern.compile("\\borg\\.sparkmec\\.engine\\.((?:[a-z]\\w*\\.)*[a-z]\\w*)\\.[A-Z]");

    @Test
    void everyPackageHasALayer() {
        TreeSet<String> packages = new TreeSet<>();
        for (Path f : sources()) {
            packages.add(packageOf(read(f), f));
        }
        TreeSet<String> missing = new TreeSet<>(packages);
        missing.removeAll(LAYERS.keySet());
        assertTrue(missing.isEmpty(), "engine packages without a layer in LayeringTest.LAYERS: " + missing);
    }

    @Test
    void noClassUsesAHigherLayer() {
        List<String> violations = new ArrayList<>();
        for (Path f : sources()) {
            String text = read(f);
            String own = packageOf(text, f);
            Matcher m = REFERENCE.matcher(withoutComments(text));
            while (m.find()) {
                String used = m.group(1);
                Integer ownLayer = LAYERS.get(own);
                Integer usedLayer = LAYERS.get(used);
                if (ownLayer != null && usedLayer != null && usedLayer > ownLayer) {
                    violations.add(SOURCES.relativize(f) + " (" + own + ", layer " + ownLayer + ") uses " + ROOT + used
                            + " (layer " + usedLayer + ")");
                }
            }
        }
        assertEquals(List.of(), violations, "imports from a lower layer to a higher one");
    }

    private static String packageOf(String text, Path f) {
        Matcher m = PACKAGE.matcher(text);
        assertTrue(m.find(), "no engine package declaration in " + f);
        return m.group(1);
    }

    /** The source without comments and string literals (Javadoc may name any class). */
    private static String withoutComments(String text) {
        return text.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "").replaceAll("\"(?:[^\"\\\\\\n]|\\\\.)*\"", "\"\"");
    }

    private static List<Path> sources() {
        try (Stream<Path> s = Files.walk(SOURCES)) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
            assertTrue(files.size() > 50, "engine sources not found under " + SOURCES.toAbsolutePath());
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
