package org.sparkmec.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkmec.engine.data.IdxTestFiles.gzip;
import static org.sparkmec.engine.data.IdxTestFiles.idxBytes;
import static org.sparkmec.engine.data.IdxTestFiles.randomBytes;
import static org.sparkmec.engine.data.IdxTestFiles.write;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** IDX files, plain and gzipped: values round-trip, and every malformed file is rejected with a precise message. */
class IdxReaderTest {
    private static final int[] IMAGE_DIMS = {7, 5, 3};
    private static final int IMAGE_BYTES = 7 * 5 * 3;

    @TempDir
    Path dir;

    /** Asserts that reading {@code file} fails and that the message names the file and holds each fragment. */
    private static IOException assertRejected(Path file, int expectedRank, String... fragments) {
        IOException e = assertThrows(IOException.class,
                () -> IdxReader.read(file, expectedRank));
        assertTrue(e.getMessage().startsWith(file.toString() + ": "), () -> "message should start with the file: " + e.getMessage());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "message lacks '" + fragment + "': " + e.getMessage());
        }
        return e;
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void imagesAndLabelsRoundTrip(boolean gzip) throws IOException {
        byte[] pixels = randomBytes(IMAGE_BYTES, 11);
        pixels[0] = 0;
        pixels[1] = (byte) 255;
        pixels[2] = (byte) 128;
        Path images = write(dir.resolve("images"), idxBytes(IMAGE_DIMS, pixels), gzip);
        IdxData read = IdxReader.read(images, 3);
        assertArrayEquals(IMAGE_DIMS, read.dims());
        assertEquals(3, read.rank());
        assertEquals(5, read.dim(1));
        assertArrayEquals(pixels, read.data());
        assertEquals(0, read.unsignedByte(0));
        assertEquals(255, read.unsignedByte(1));
        assertEquals(128, read.unsignedByte(2));
        assertEquals(images.toString(), read.source());

        byte[] labels = {3, 0, 9, 9, 1, 4, 2};
        Path labelFile = write(dir.resolve("labels"), idxBytes(new int[] {7}, labels), gzip);
        IdxData readLabels = IdxReader.read(labelFile, 1);
        assertArrayEquals(new int[] {7}, readLabels.dims());
        assertArrayEquals(labels, readLabels.data());
    }

    @Test
    void gzipIsDetectedFromTheContentNotTheName() throws IOException {
        byte[] pixels = randomBytes(IMAGE_BYTES, 12);
        Path gzippedWithoutSuffix = write(dir.resolve("images-idx3-ubyte"), idxBytes(IMAGE_DIMS, pixels), true);
        Path plainWithGzSuffix = write(dir.resolve("images-idx3-ubyte.gz"), idxBytes(IMAGE_DIMS, pixels), false);
        assertArrayEquals(pixels, IdxReader.read(gzippedWithoutSuffix, 3).data());
        assertArrayEquals(pixels, IdxReader.read(plainWithGzSuffix, 3).data());
    }

    @Test
    void anyRankIsReadWhenNoneIsExpected() throws IOException {
        byte[] data = randomBytes(2 * 3 * 4 * 5, 13);
        Path file = write(dir.resolve("rank4"), idxBytes(new int[] {2, 3, 4, 5}, data), false);
        IdxData read = IdxReader.read(file);
        assertArrayEquals(new int[] {2, 3, 4, 5}, read.dims());
        assertArrayEquals(data, read.data());
        assertEquals(0x00000803, IdxReader.magicNumber(3));
        assertEquals(0x00000801, IdxReader.magicNumber(1));
    }

    @Test
    void wrongRankShowsExpectedAndActualMagicInHex() throws IOException {
        Path labels = write(dir.resolve("train-labels-idx1-ubyte"), idxBytes(new int[] {7}, new byte[7]), false);
        assertRejected(labels, 3, "magic number 0x00000801", "expected 0x00000803");
        Path images = write(dir.resolve("train-images-idx3-ubyte.gz"), idxBytes(IMAGE_DIMS, new byte[IMAGE_BYTES]), true);
        assertRejected(images, 1, "magic number 0x00000803", "expected 0x00000801");
    }

    @Test
    void nonIdxMagicIsRejected() throws IOException {
        Path file = write(dir.resolve("notes.txt"), idxBytes(0x504B0304, new int[] {1}, new byte[1]), false);
        assertRejected(file, 3, "not an IDX file", "0x504B0304", "expected 0x00000803");
        IOException anyRank = assertThrows(IOException.class, () -> IdxReader.read(file));
        assertTrue(anyRank.getMessage().contains("0x000008NN"), anyRank.getMessage());
    }

    @Test
    void unsupportedTypeByteIsRejected() throws IOException {
        Path floats = write(dir.resolve("floats.idx"), idxBytes(0x00000D03, new int[] {1, 1, 1}, new byte[4]), false);
        assertRejected(floats, 3, "unsupported IDX data type 0x0D (float)", "0x00000D03", "only 0x08");
        Path signed = write(dir.resolve("signed.idx"), idxBytes(0x00000901, new int[] {2}, new byte[2]), true);
        assertRejected(signed, 1, "data type 0x09 (signed byte)");
    }

    @Test
    void zeroDimensionsInTheMagicAreRejected() throws IOException {
        Path file = write(dir.resolve("rank0"), idxBytes(0x00000800, new int[0], new byte[1]), false);
        IOException e = assertThrows(IOException.class, () -> IdxReader.read(file));
        assertTrue(e.getMessage().contains(file + ": IDX magic number 0x00000800 declares 0 dimensions"), e.getMessage());
    }

    @Test
    void zeroOrNegativeDimensionIsRejected() throws IOException {
        Path zero = write(dir.resolve("zero"), idxBytes(0x00000803, new int[] {3, 0, 2}, new byte[0]), false);
        assertRejected(zero, 3, "dimension 1 of [3, 0, 2] is 0", "must be positive");
        Path negative = write(dir.resolve("negative.gz"), idxBytes(0x00000801, new int[] {-60000}, new byte[0]), true);
        assertRejected(negative, 1, "dimension 0 of [-60000] is -60000");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void truncatedDataGivesExpectedAndActualBytes(boolean gzip) throws IOException {
        byte[] whole = idxBytes(IMAGE_DIMS, randomBytes(IMAGE_BYTES, 14));
        Path file = write(dir.resolve("cut"), Arrays.copyOf(whole, whole.length - 11), gzip);
        assertRejected(file, 3, "truncated", "[7, 5, 3] need 105 bytes of data, got 94");
    }

    @Test
    void truncatedHeaderIsRejected() throws IOException {
        Path empty = write(dir.resolve("empty"), new byte[0], false);
        assertRejected(empty, 3, "truncated", "4-byte IDX magic number 0x00000803", "got 0 bytes");
        byte[] whole = idxBytes(IMAGE_DIMS, new byte[IMAGE_BYTES]);
        Path cutInDims = write(dir.resolve("cut-dims"), Arrays.copyOf(whole, 10), false);
        assertRejected(cutInDims, 3, "truncated header", "3 dimension sizes (12 bytes), got 6 bytes");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void trailingBytesAreRejected(boolean gzip) throws IOException {
        byte[] whole = idxBytes(IMAGE_DIMS, randomBytes(IMAGE_BYTES, 15));
        Path file = write(dir.resolve("long"), Arrays.copyOf(whole, whole.length + 5), gzip);
        assertRejected(file, 3, "5 bytes of trailing data after the 105 bytes", "[7, 5, 3]");
    }

    @Test
    void corruptGzipIsRejected() throws IOException {
        byte[] compressed = gzip(idxBytes(IMAGE_DIMS, randomBytes(IMAGE_BYTES, 16)));
        Path cut = dir.resolve("cut.gz");
        Files.write(cut, Arrays.copyOf(compressed, compressed.length / 2));
        assertRejected(cut, 3, "corrupt or truncated gzip data");
        byte[] garbled = compressed.clone();
        for (int i = 12; i < garbled.length - 8; i++) {
            garbled[i] = (byte) 0xFF;
        }
        Path bad = dir.resolve("garbled.gz");
        Files.write(bad, garbled);
        assertRejected(bad, 3, "corrupt or truncated gzip data");
    }

    @Test
    void missingFileIsNoSuchFile() {
        Path missing = dir.resolve("absent-idx3-ubyte.gz");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> IdxReader.read(missing, 3));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void invalidExpectedRankIsAnArgumentError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IdxReader.read(dir.resolve("x"), 0));
        assertEquals("an IDX file has 1 to 255 dimensions, got 0", e.getMessage());
    }

    @Test
    void idxDataChecksItsSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new IdxData("mem", new int[] {2, 3}, new byte[5]));
        assertEquals("mem: dimensions [2, 3] describe 6 bytes, got 5", e.getMessage());
        int[] dims = {2, 3};
        IdxData data = new IdxData("mem", dims, new byte[6]);
        dims[0] = 9;
        assertArrayEquals(new int[] {2, 3}, data.dims(), "dims are copied in");
        assertEquals(data, new IdxData("mem", new int[] {2, 3}, new byte[6]));
    }
}
