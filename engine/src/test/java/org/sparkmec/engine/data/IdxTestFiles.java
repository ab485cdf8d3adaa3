package org.sparkmec.engine.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/** Writes synthetic IDX files (well-formed or deliberately broken) for the data tests. */
final class IdxTestFiles {
    private IdxTestFiles() {
    }

    /** The bytes of an IDX file: big-endian {@code magic}, the dimension sizes, then {@code data}. */
    static byte[] idxBytes(int magic, int[] dims, byte[] data) {
        ByteBuffer buf = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        buf.putInt(magic);
        for (int d : dims) {
            buf.putInt(d);
        }
        buf.put(data);
        return buf.array();
    }

    /** A well-formed unsigned-byte IDX file. */
    static byte[] idxBytes(int[] dims, byte[] data) {
        return idxBytes(0x0800 | dims.length, dims, data);
    }

    static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static Path write(Path file, byte[] bytes, boolean gzip) throws IOException {
        Files.write(file, gzip ? gzip(bytes) : bytes);
        return file;
    }

    /** {@code n} bytes uniform in [0, 255], from {@code seed}. */
    static byte[] randomBytes(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] bytes = new byte[n];
        for (int i = 0; i < n; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    /** {@code n} labels uniform in [0, classes), from {@code seed}. */
    static byte[] randomLabels(int n, int classes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) random.nextInt(classes);
        }
        return labels;
    }
}
