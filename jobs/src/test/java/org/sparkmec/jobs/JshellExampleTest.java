package org.sparkmec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.data.FashionMnist;

/**
 * examples/train-and-inspect.jsh runs headless in jshell (the JDK running this test) on this test's class path,
 * with the JVM options Spark needs given to jshell's remote JVM, and prints every section a notebook would show.
 */
class JshellExampleTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path SCRIPT = Path.of("examples", "train-and-inspect.jsh");
    /** The example takes about 40 s on 2 cores; this bounds a hung Spark job. */
    private static final long TIMEOUT_SECONDS = 300;
    /** 1 epoch over 2,000 images; 68.4% measured, 10% is chance. */
    private static final double MIN_ACCURACY = 0.5;

    @Test
    void trainAndInspectRunsHeadless(@TempDir Path dir) throws IOException, InterruptedException {
        assumeTrue(Files.isDirectory(FashionMnist.DEFAULT_DIR), "Fashion-MNIST is not installed (CI installs it)");
        Path jshell = Path.of(System.getProperty("java.home"), "bin", "jshell");
        assumeTrue(Files.isExecutable(jshell), "no jshell in " + jshell.getParent() + " (a JRE without jdk.jshell)");
        List<String> command = new ArrayList<>(List.of(jshell.toString(), "-R-Xmx2g",
                "-R-Dlog4j2.configurationFile=" + ROOT.resolve("conf/log4j2.properties")));
        // Spark 4.2's --add-opens on Java 17 (the parent POM's spark.jvm.opens), as the build wrote them for ./mec.
        for (String option : Files.readString(Path.of("target", "launcher", "jvm-options.txt")).trim().split("\\s+")) {
            command.add("-R" + option);
        }
        command.addAll(List.of("--class-path", System.getProperty("java.class.path"), SCRIPT.toString()));
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        long start = System.nanoTime();
        Process process = new ProcessBuilder(command).directory(ROOT.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        process.getOutputStream().close();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            fail(SCRIPT + " did not finish in " + TIMEOUT_SECONDS + " s; its output:\n" + Files.readString(out)
                    + "\nstderr:\n" + Files.readString(err));
        }
        String stdout = Files.readString(out);
        String stderr = Files.readString(err);
        System.out.printf(Locale.ROOT, "%s ran in %.1f s%n%s", SCRIPT, (System.nanoTime() - start) / 1e9, stdout);
        String report = "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
        assertEquals(0, process.exitValue(), "exit code of jshell" + report);
        // jshell goes on after a failed snippet: its compile errors and exceptions start these lines on stderr.
        assertTrue(stderr.lines().noneMatch(l -> l.startsWith("Error:") || l.startsWith("Exception ")),
                "a snippet failed" + report);

        int at = 0;
        for (String section : List.of("== 1. Spark session", "== 2. Data", "== 3. Training",
                "== 4. History and per-layer memory", "== 5. Evaluation", "== 6. Layer benchmark", "== done")) {
            int next = stdout.indexOf(section + "\n", at);
            assertTrue(next >= 0, "section '" + section + "' missing or out of order" + report);
            at = next;
        }
        assertTrue(stdout.contains("train: 2000 images, test: 1000 images"), report);
        assertTrue(hasLine(stdout, "^\\|epoch\\|step\\| *train_loss\\|train_accuracy\\| *test_loss\\|test_accuracy\\|.*"),
                "history table header" + report);
        assertTrue(hasLine(stdout, "^\\|layer +\\|type +\\|algorithm\\|weights_bytes.*\\|workspace_bytes"
                + "\\|im2col_workspace_bytes\\|peak_bytes\\|executor\\|$"), "layer memory table header" + report);
        assertTrue(hasLine(stdout, "^\\|conv1 +\\|conv2d +\\|mec .*"), "conv1's memory row" + report);
        Matcher accuracy = Pattern.compile("(?m)^test accuracy: (\\d\\.\\d{4}) on 1000 images$").matcher(stdout);
        assertTrue(accuracy.find(), "accuracy line" + report);
        assertTrue(Double.parseDouble(accuracy.group(1)) > MIN_ACCURACY, "accuracy " + accuracy.group(1) + report);
        for (String layer : List.of("cv10", "cv11", "cv12")) {
            for (String algorithmAndPass : List.of("mec +forward", "im2col +forward", "mec +backward", "im2col +backward")) {
                assertTrue(hasLine(stdout, "^" + layer + " +cpu +" + algorithmAndPass + " +4 .*"),
                        "benchmark row " + layer + " " + algorithmAndPass + report);
            }
        }
    }

    private static boolean hasLine(String text, String regex) {
        Pattern p = Pattern.compile(regex);
        return text.lines().anyMatch(l -> p.matcher(l).matches());
    }
}
