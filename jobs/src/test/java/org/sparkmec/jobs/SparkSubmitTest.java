package org.sparkmec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.data.FashionMnist;

/**
 * The train job under a real {@code spark-submit}: Spark's own {@code SparkSubmit} main class in a
 * separate JVM whose class path holds Spark and nothing of the project, the project in an application
 * jar (built here from the compiled modules, as the shaded {@code mec-jobs-*-spark-submit.jar} holds
 * them), its other libraries through {@code --jars}, the settings from {@code conf/spark-defaults.conf}
 * through {@code --properties-file}. Checks every output file of a one-epoch run on 1,000 images.
 */
@Tag("cluster")
class SparkSubmitTest {
    /** Libraries of the project that spark-submit does not provide (everything else comes with Spark). */
    private static final List<String> PROJECT_LIBRARIES = List.of("picocli", "jfreechart", "bytedeco", "jcuda", "typesafe");

    @TempDir
    Path dir;

    @Test
    void trainRunsUnderSparkSubmit() throws Exception {
        assumeTrue(Files.isDirectory(FashionMnist.DEFAULT_DIR), "Fashion-MNIST is not installed");
        List<String> sparkPath = new ArrayList<>();
        List<String> libraries = new ArrayList<>();
        List<Path> projectClasses = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            String name = p.toString();
            if (name.contains("/target/classes") || name.contains("/org/sparkmec/") || name.matches(".*/(mec-engine|spark-mec|mec-jobs)-[^/]*\\.jar")) {
                if (!name.contains("test-classes")) {
                    projectClasses.add(p);
                }
            } else if (PROJECT_LIBRARIES.stream().anyMatch(name::contains)) {
                libraries.add(name);
            } else if (!name.contains("test-classes") && !name.contains("junit") && !name.contains("opentest4j")
                    && !name.contains("surefire")) {
                sparkPath.add(name);
            }
        }
        Path appJar = dir.resolve("mec-jobs-app.jar").toAbsolutePath();
        writeJar(projectClasses, appJar);
        Path out = dir.resolve("run").toAbsolutePath();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("-XX:+IgnoreUnrecognized") || a.startsWith("-Dio.netty"))
                .toList());
        command.addAll(List.of("-Xmx2g", "-cp", String.join(File.pathSeparator, sparkPath),
                "org.apache.spark.deploy.SparkSubmit", "--master", "local[2]",
                "--properties-file", "conf/spark-defaults.conf",
                "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1",
                "--conf", "spark.ui.enabled=false",
                "--jars", String.join(",", libraries), "--class", "org.sparkmec.jobs.MecMain", appJar.toString(),
                "train", "--limit", "1000", "--epochs", "1", "--no-progress", "--out", out.toString()));
        Path log = dir.resolve("spark-submit.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .directory(Path.of("..").toFile()).start(); // the project root, where conf/ is
        boolean finished = process.waitFor(240, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        String output = Files.readString(log);
        assertTrue(finished, "spark-submit did not finish in 240 s:\n" + tail(output));
        assertEquals(0, process.exitValue(), "spark-submit failed:\n" + tail(output));
        for (String f : List.of("metrics.csv", "layer_memory.csv", "checkpoint.ckpt", "model.conf", "model.ckpt")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f + " missing or empty");
        }
        assertEquals(2, Files.readAllLines(out.resolve("metrics.csv")).size(), "header and one epoch");
        TrainCommandTest.assertPngs(out, "training.png", "layer_memory.png");
    }

    private static void writeJar(List<Path> sources, Path jar) throws IOException {
        try (JarOutputStream zip = new JarOutputStream(Files.newOutputStream(jar))) {
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (Path source : sources) {
                if (Files.isDirectory(source)) {
                    try (Stream<Path> files = Files.walk(source)) {
                        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                            String name = source.relativize(f).toString().replace(File.separatorChar, '/');
                            if (seen.add(name)) {
                                zip.putNextEntry(new JarEntry(name));
                                Files.copy(f, zip);
                                zip.closeEntry();
                            }
                        }
                    }
                } else {
                    try (java.util.jar.JarFile in = new java.util.jar.JarFile(source.toFile())) {
                        for (JarEntry e : java.util.Collections.list(in.entries())) {
                            if (!e.isDirectory() && seen.add(e.getName()) && !e.getName().startsWith("META-INF/MANIFEST")) {
                                zip.putNextEntry(new JarEntry(e.getName()));
                                in.getInputStream(e).transferTo(zip);
                                zip.closeEntry();
                            }
                        }
                    }
                }
            }
        }
    }

    private static String tail(String s) {
        return s.length() <= 4000 ? s : s.substring(s.length() - 4000);
    }
}
