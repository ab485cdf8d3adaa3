package org.sparkmec.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.optim.OptimizerKind;
import org.sparkmec.engine.optim.OptimizerState;

class CheckpointTest {
    @TempDir
    Path dir;

    private static Checkpoint sample(boolean withOptimizer) {
        Map<String, float[][]> slots = new TreeMap<>();
        slots.put("conv1.weight", new float[][] {{1f, -2f, 3.5f, 0f}});
        return new Checkpoint("model { name = t }", 42, 3, 1234, Map.of("drop", 77L), Map.of("conv1", "mec"),
                Map.of("conv1.weight", new Checkpoint.Tensor(new int[] {1, 2, 2, 1}, new float[] {0.5f, -1f, Float.MIN_VALUE, 7f})),
                withOptimizer ? new OptimizerState(OptimizerKind.SGD, 1, 1234, slots) : null);
    }

    @Test
    void roundTripsEveryField() throws IOException {
        Path file = dir.resolve("c.ckpt");
        Checkpoint written = sample(true);
        written.write(file);
        Checkpoint read = Checkpoint.read(file);
        assertEquals(written.modelText(), read.modelText());
        assertEquals(42, read.seed());
        assertEquals(3, read.epochsCompleted());
        assertEquals(1234, read.steps());
        assertEquals(Map.of("drop", 77L), read.dropoutPasses());
        assertEquals(Map.of("conv1", "mec"), read.convAlgorithms());
        assertArrayEquals(new int[] {1, 2, 2, 1}, read.parameters().get("conv1.weight").dims());
        assertArrayEquals(written.parameters().get("conv1.weight").values(), read.parameters().get("conv1.weight").values());
        assertEquals(written.optimizer(), read.optimizer());
    }

    /** Streaming (write) and the byte array (toBytes) give the same file; a write that fails names the file. */
    @Test
    void streamsTheSameBytesAndNamesTheFileWhenAWriteFails() throws IOException {
        Path file = dir.resolve("s.ckpt");
        sample(true).write(file);
        assertArrayEquals(sample(true).toBytes(), Files.readAllBytes(file));
        Files.writeString(dir.resolve("plain"), "a file\n");
        Path under = dir.resolve("plain").resolve("c.ckpt");
        IOException e = assertThrows(IOException.class, () -> sample(true).write(under));
        assertTrue(e.getMessage().startsWith("cannot write " + under + ": "), e.getMessage());
    }

    @Test
    void aNonFiniteModelIsNeverWritten() {
        Path file = dir.resolve("nan.ckpt");
        Checkpoint nan = new Checkpoint("model { name = t }", 1, 1, 20, Map.of(), Map.of(),
                Map.of("fc.weight", new Checkpoint.Tensor(new int[] {2}, new float[] {1f, Float.NaN})), null);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> nan.write(file));
        assertEquals("training diverged: parameter fc.weight holds NaN after step 20; " + file + " was not written",
                e.getMessage());
        assertTrue(Files.notExists(file));
    }

    @Test
    void finalModelHasNoOptimizerState() throws IOException {
        Path file = dir.resolve("m.ckpt");
        sample(false).write(file);
        assertNull(Checkpoint.read(file).optimizer());
    }

    @Test
    void corruptTruncatedAndForeignFilesAreRejected() throws IOException {
        Path file = dir.resolve("c.ckpt");
        sample(true).write(file);
        byte[] good = Files.readAllBytes(file);

        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 0x10;
        Files.write(file, flipped);
        IOException corrupt = assertThrows(IOException.class, () -> Checkpoint.read(file));
        assertTrue(corrupt.getMessage().contains("checksum") && corrupt.getMessage().contains(file.toString()),
                corrupt.getMessage());

        Files.write(file, Arrays.copyOf(good, good.length - 20));
        assertTrue(assertThrows(IOException.class, () -> Checkpoint.read(file)).getMessage().contains("checksum"));

        Files.writeString(file, "not a checkpoint at all");
        assertTrue(assertThrows(IOException.class, () -> Checkpoint.read(file)).getMessage().contains("MECCKPT"));

        assertThrows(java.nio.file.NoSuchFileException.class, () -> Checkpoint.read(dir.resolve("missing.ckpt")));
    }

    @Test
    void anotherFormatVersionIsRejectedNamingBoth() throws IOException {
        Path file = dir.resolve("c.ckpt");
        sample(true).write(file);
        byte[] b = Files.readAllBytes(file);
        ByteBuffer.wrap(b, 8, 4).putInt(99);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b, 0, b.length - 8);
        ByteBuffer.wrap(b, b.length - 8, 8).putLong(crc.getValue());
        Files.write(file, b);
        IOException e = assertThrows(IOException.class, () -> Checkpoint.read(file));
        assertTrue(e.getMessage().contains("version 99") && e.getMessage().contains("version 1"), e.getMessage());
    }
}
