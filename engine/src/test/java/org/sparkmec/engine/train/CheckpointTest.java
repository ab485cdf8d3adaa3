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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.conv.ConvAlgorithm;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.model.ModelFile;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.nn.Conv2dLayer;
import org.sparkmec.engine.nn.DropoutLayer;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.optim.OptimizerKind;
import org.sparkmec.engine.optim.OptimizerState;

class CheckpointTest {
    @TempDir
    Path dir;

    /** Class names as image folders have them: sorted by code unit, one not ASCII, one with a space. */
    private static final List<String> NAMES = List.of("Ankle boot", "Bag", "T-shirt-top", "coat", "sandale-été");

    private static Checkpoint sample(boolean withOptimizer, List<String> classNames) {
        Map<String, float[][]> slots = new TreeMap<>();
        slots.put("conv1.weight", new float[][] {{1f, -2f, 3.5f, 0f}});
        return new Checkpoint("model { name = t }", 42, 3, 1234, Map.of("drop", 77L), Map.of("conv1", "mec"),
                Map.of("conv1.weight", new Checkpoint.Tensor(new int[] {1, 2, 2, 1}, new float[] {0.5f, -1f, Float.MIN_VALUE, 7f})),
                withOptimizer ? new OptimizerState(OptimizerKind.SGD, 1, 1234, slots) : null, classNames);
    }

    private static Checkpoint sample(boolean withOptimizer) {
        return sample(withOptimizer, NAMES);
    }

    /**
     * {@code c} (without class names) in format version 1, written by hand: version 1 is version 2 without the
     * class names, so the bytes up to the class name count, the version set to 1 and the CRC computed anew.
     */
    static byte[] versionOneBytes(Checkpoint c) throws IOException {
        assertTrue(c.classNames().isEmpty(), "version 1 has no class names");
        byte[] v2 = c.toBytes();
        byte[] v1 = Arrays.copyOf(v2, v2.length - Integer.BYTES);
        ByteBuffer.wrap(v1, 8, 4).putInt(1);
        CRC32 crc = new CRC32();
        crc.update(v1, 0, v1.length - Long.BYTES);
        ByteBuffer.wrap(v1, v1.length - Long.BYTES, Long.BYTES).putLong(crc.getValue());
        return v1;
    }

    @Test
    void roundTripsEveryField() throws IOException {
        Path file = dir.resolve("c.ckpt");
        Checkpoint written = sample(true);
        written.write(file);
        assertSameContent(written, Checkpoint.read(file));
        assertEquals(List.of(), Checkpoint.fromBytes(sample(true, List.of()).toBytes(), "none").classNames());
    }

    /** Every field equal (the records compare their arrays by reference). */
    private static void assertSameContent(Checkpoint expected, Checkpoint actual) {
        assertEquals(expected.modelText(), actual.modelText());
        assertEquals(expected.seed(), actual.seed());
        assertEquals(expected.epochsCompleted(), actual.epochsCompleted());
        assertEquals(expected.steps(), actual.steps());
        assertEquals(expected.dropoutPasses(), actual.dropoutPasses());
        assertEquals(expected.convAlgorithms(), actual.convAlgorithms());
        assertEquals(expected.parameters().keySet(), actual.parameters().keySet());
        expected.parameters().forEach((name, t) -> {
            assertArrayEquals(t.dims(), actual.parameters().get(name).dims(), name);
            assertArrayEquals(t.values(), actual.parameters().get(name).values(), name);
        });
        assertEquals(expected.optimizer(), actual.optimizer());
        assertEquals(expected.classNames(), actual.classNames());
    }

    /** A version-1 file (before class names) is still read: every field as written, and no class names. */
    @Test
    void readsAVersionOneFileWithoutClassNames() throws IOException {
        Path file = dir.resolve("v1.ckpt");
        Checkpoint written = sample(true, List.of());
        Files.write(file, versionOneBytes(written));
        assertSameContent(written, Checkpoint.read(file));
    }

    /** Bytes after the last field (here a version-2 body labelled version 1) are refused, not ignored. */
    @Test
    void bytesAfterTheLastFieldAreRefused() throws IOException {
        byte[] b = sample(false).toBytes();
        ByteBuffer.wrap(b, 8, 4).putInt(1);
        CRC32 crc = new CRC32();
        crc.update(b, 0, b.length - Long.BYTES);
        ByteBuffer.wrap(b, b.length - Long.BYTES, Long.BYTES).putLong(crc.getValue());
        IOException e = assertThrows(IOException.class, () -> Checkpoint.fromBytes(b, "m.ckpt"));
        assertEquals("m.ckpt: malformed checkpoint: bytes after the last field of version 1", e.getMessage());
    }

    /**
     * capture and loadInto are inverses on a real network (a conv layer declared auto, one declared mec, dropout):
     * weights, dropout passes and the chosen algorithm come back in a fresh network; a parameter of other dims is
     * named.
     */
    @Test
    void captureAndLoadIntoAreInverses() {
        ModelSpec spec = ModelFile.parse("""
                name = small
                input { height = 10, width = 10, channels = 1 }
                layers = [
                  { type = conv2d, name = conv1, filters = 4, kernel = 3, padding = 1, algorithm = auto }
                  { type = relu }
                  { type = conv2d, name = conv2, filters = 3, kernel = 3, algorithm = mec }
                  { type = flatten }
                  { type = dropout, rate = 0.25 }
                  { type = dense, name = fc, units = 3 }
                ]
                """, "small.conf");
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(1, GemmParallelism.TASKS, 0))) {
            Network trained = Networks.build(backend, spec, MecOptions.defaults(), 1L << 28, 5, null);
            Network fresh = Networks.build(backend, spec, MecOptions.defaults(), 1L << 28, 6, null);
            Conv2dLayer conv = (Conv2dLayer) trained.layers().stream().filter(l -> l instanceof Conv2dLayer).findFirst()
                    .orElseThrow();
            conv.useAlgorithm(ConvAlgorithm.IM2COL);
            DropoutLayer drop = (DropoutLayer) trained.layers().stream().filter(l -> l instanceof DropoutLayer)
                    .findFirst().orElseThrow();
            drop.setPasses(9);

            Checkpoint c = Checkpoint.capture("text", 5, 1, 40, trained, true, null, NAMES);
            assertEquals(Map.of("conv1", "im2col", "conv2", "mec"), c.convAlgorithms());
            assertEquals(9L, c.dropoutPasses().get(drop.name()));
            assertEquals(NAMES, c.classNames());
            assertTrue(Checkpoint.capture("text", 5, 1, 40, trained, false, null, List.of()).dropoutPasses().isEmpty());

            c.loadInto(fresh, "test");
            for (int i = 0; i < trained.parameters().size(); i++) {
                assertArrayEquals(trained.parameters().get(i).value().toArray(), fresh.parameters().get(i).value().toArray(),
                        trained.parameters().get(i).name());
            }
            Conv2dLayer freshConv = (Conv2dLayer) fresh.layers().stream().filter(l -> l.name().equals(conv.name()))
                    .findFirst().orElseThrow();
            assertEquals(ConvAlgorithm.IM2COL, freshConv.convolution().algorithm());
            DropoutLayer freshDrop = (DropoutLayer) fresh.layers().stream().filter(l -> l.name().equals(drop.name()))
                    .findFirst().orElseThrow();
            assertEquals(9L, freshDrop.passes());

            Map<String, Checkpoint.Tensor> wrong = new java.util.LinkedHashMap<>(c.parameters());
            String first = trained.parameters().get(0).name();
            wrong.put(first, new Checkpoint.Tensor(new int[] {1}, new float[] {0f}));
            Checkpoint bad = new Checkpoint("text", 5, 1, 40, Map.of(), Map.of(), wrong, null, List.of());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bad.loadInto(fresh, "bad.ckpt"));
            assertTrue(e.getMessage().startsWith("parameter " + first + " is [1] in bad.ckpt, the network needs ["),
                    e.getMessage());
        }
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
                Map.of("fc.weight", new Checkpoint.Tensor(new int[] {2}, new float[] {1f, Float.NaN})), null,
                List.of());
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> nan.write(file));
        assertEquals("training diverged: parameter fc.weight holds NaN after step 20; " + file + " was not written",
                e.getMessage());
        assertTrue(Files.notExists(file));
    }

    @Test
    void finalModelHasNoOptimizerState() throws IOException {
        Path file = dir.resolve("m.ckpt");
        sample(true).withoutOptimizer().write(file);
        Checkpoint read = Checkpoint.read(file);
        assertNull(read.optimizer());
        assertEquals(NAMES, read.classNames());
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
        CRC32 crc = new CRC32();
        crc.update(b, 0, b.length - 8);
        ByteBuffer.wrap(b, b.length - 8, 8).putLong(crc.getValue());
        Files.write(file, b);
        IOException e = assertThrows(IOException.class, () -> Checkpoint.read(file));
        assertEquals(file + ": checkpoint format version 99, this build reads versions 1 and 2", e.getMessage());
    }
}
