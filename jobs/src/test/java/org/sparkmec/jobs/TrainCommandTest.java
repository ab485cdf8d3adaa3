package org.sparkmec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./mec train} end to end: a tiny run and its resume, and the errors it gives. */
class TrainCommandTest {
    private static final Path LENET = Path.of("..", "conf", "models", "lenet.conf");
    private static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    Path dir;


    @Test
    void trainsWritesFilesAndResumes() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(DATA), "Fashion-MNIST is not installed (CI installs it)");
        Path out = dir.resolve("lenet");
        CliRun first = CliRun.of("train", "--master", "none", "--model", LENET.toString(), "--epochs", "1", "--limit", "320",
                "--batch", "32", "--out", out.toString(), "--no-progress");
        assertEquals(0, first.exit(), first.err());
        for (String f : List.of("metrics.csv", "layer_memory.csv", "checkpoint.ckpt", "model.conf", "model.ckpt")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f + " missing");
        }
        assertEquals("epoch,step,train_loss,train_accuracy,test_loss,test_accuracy,images_per_s",
                Files.readAllLines(out.resolve("metrics.csv")).get(0));
        assertEquals("layer,type,algorithm,weights_bytes,gradients_bytes,activations_bytes,workspace_bytes,"
                + "im2col_workspace_bytes,peak_bytes", Files.readAllLines(out.resolve("layer_memory.csv")).get(0));
        CliRun resumed = CliRun.of("train", "--model", LENET.toString(), "--epochs", "2", "--limit", "320", "--out",
                out.toString(), "--resume", "--no-progress");
        assertEquals(0, resumed.exit(), resumed.err());
        assertEquals(3, Files.readAllLines(out.resolve("metrics.csv")).size(), "header and two epochs");
    }

    @Test
    void sparkMastersAreRefusedForNow() {
        CliRun r = CliRun.of("train", "--master", "local[2]", "--model", LENET.toString(), "--out", dir.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--master local[2]") && r.err().contains("--master none"), r.err());
    }

    @Test
    void badInputIsRejectedNamingTheValue() throws IOException {
        CliRun model = CliRun.of("train", "--model", dir.resolve("nope.conf").toString(), "--out", dir.toString());
        assertEquals(2, model.exit());
        assertTrue(model.err().contains("nope.conf"), model.err());

        CliRun optimizer = CliRun.of("train", "--model", LENET.toString(), "--out", dir.toString(), "--optimizer", "rmsprop");
        assertEquals(2, optimizer.exit());
        assertTrue(optimizer.err().contains("spark.mec.train.optimizer") && optimizer.err().contains("'rmsprop'"),
                optimizer.err());

        CliRun algorithm = CliRun.of("train", "--model", LENET.toString(), "--out", dir.toString(), "--algorithm", "fft");
        assertEquals(2, algorithm.exit());
        assertTrue(algorithm.err().contains("'fft'"), algorithm.err());

        Path bad = dir.resolve("bad.conf");
        Files.writeString(bad, "name = bad\ninput { height = 4, width = 4, channels = 1 }\nlayers = [\n"
                + "  { type = conv2d, name = conv1, filters = 2, kernel = 5 }\n  { type = flatten }\n"
                + "  { type = dense, units = 10 }\n]\n");
        CliRun shape = CliRun.of("train", "--model", bad.toString(), "--out", dir.toString());
        assertEquals(2, shape.exit());
        assertTrue(shape.err().contains("bad.conf:4") && shape.err().contains("kernel 5x5 larger than input 4x4"),
                shape.err());

        CliRun resume = CliRun.of("train", "--model", LENET.toString(), "--out", dir.resolve("empty").toString(), "--resume",
                "--data", dir.toString());
        assertEquals(2, resume.exit());
        assertTrue(resume.err().contains("dataset-fashion-mnist") && resume.err().contains("--data"), resume.err());
    }
}
