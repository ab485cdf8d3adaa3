package org.sparkmec.engine.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/), plain or
 * gzip-compressed.
 *
 * <p>Format, all integers big-endian: a 4-byte magic number {@code 0x00 0x00 TYPE NDIMS}, then
 * {@code NDIMS} 4-byte signed dimension sizes, then the data row-major, and nothing after it. Only
 * {@code TYPE = 0x08} (unsigned byte) is supported: MNIST images have magic {@code 0x00000803} (count,
 * rows, columns), labels {@code 0x00000801} (count).
 *
 * <p>Compression is detected from the content (the gzip magic bytes {@code 1f 8b}), not from the file
 * name. Every problem with the content (wrong magic, unsupported type, a dimension that is not positive,
 * a truncated file, bytes after the data, corrupt gzip data) throws an {@link IOException} whose message
 * starts with the file's path and gives the expected and actual values.
 */
public final class IdxReader {
    /** The IDX type byte of unsigned bytes, the only type read here. */
    public static final int UNSIGNED_BYTE = 0x08;

    private static final int BUFFER_BYTES = 1 << 16;
    /** Data up to this size is read into one array allocated up front; larger claims grow as data arrives. */
    private static final int PREALLOCATE_LIMIT = 1 << 26;
    /** Largest data size that fits a Java array. */
    private static final long MAX_DATA_BYTES = Integer.MAX_VALUE - 8;

    private IdxReader() {
    }

    /** The magic number of an unsigned-byte IDX file with {@code rank} dimensions. */
    public static int magicNumber(int rank) {
        if (rank < 1 || rank > 255) {
            throw new IllegalArgumentException("an IDX file has 1 to 255 dimensions, got " + rank);
        }
        return (UNSIGNED_BYTE << 8) | rank;
    }

    /**
     * Reads an unsigned-byte IDX file of any rank.
     *
     * @throws IOException if the file cannot be read or its content is not a well-formed unsigned-byte IDX
     *                     file (the message names the file and the problem)
     */
    public static IdxData read(Path file) throws IOException {
        return readChecked(file, 0);
    }

    /**
     * Reads an unsigned-byte IDX file that must have {@code expectedRank} dimensions, that is the magic
     * number {@link #magicNumber(int) magicNumber(expectedRank)} (3 for MNIST images, 1 for labels).
     *
     * @throws IOException if the file cannot be read, its magic number differs, or its content is not
     *                     well-formed
     */
    public static IdxData read(Path file, int expectedRank) throws IOException {
        magicNumber(expectedRank);
        return readChecked(file, expectedRank);
    }

    private static IdxData readChecked(Path file, int expectedRank) throws IOException {
        Objects.requireNonNull(file, "file");
        try (InputStream in = open(file)) {
            int[] dims = readHeader(file, in, expectedRank);
            long size = 1;
            for (int d : dims) {
                size *= d;
                if (size > MAX_DATA_BYTES) {
                    throw new IOException(file + ": dimensions " + Arrays.toString(dims)
                            + " describe more bytes than a Java array holds (" + MAX_DATA_BYTES + ")");
                }
            }
            int n = (int) size;
            byte[] data = n <= PREALLOCATE_LIMIT ? readUpTo(in, n) : in.readNBytes(n);
            if (data.length < n) {
                throw new IOException(file + ": truncated: dimensions " + Arrays.toString(dims) + " need " + n
                        + " bytes of data, got " + data.length);
            }
            long trailing = in.transferTo(OutputStream.nullOutputStream());
            if (trailing > 0) {
                throw new IOException(file + ": " + trailing + " bytes of trailing data after the " + n
                        + " bytes that dimensions " + Arrays.toString(dims) + " describe");
            }
            return new IdxData(file.toString(), dims, data);
        } catch (ZipException | EOFException e) {
            // Our own checks never throw these: they come from the gzip layer.
            throw new IOException(file + ": corrupt or truncated gzip data: " + e.getMessage(), e);
        }
    }

    /** Opens the file, decompressing if it starts with the gzip magic bytes. */
    private static InputStream open(Path file) throws IOException {
        BufferedInputStream in = new BufferedInputStream(Files.newInputStream(file), BUFFER_BYTES);
        try {
            in.mark(2);
            int b0 = in.read();
            int b1 = in.read();
            in.reset();
            return b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in, BUFFER_BYTES) : in;
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** Reads and checks the magic number and the dimension sizes. {@code expectedRank} 0 accepts any rank. */
    private static int[] readHeader(Path file, InputStream in, int expectedRank) throws IOException {
        String expected = expectedRank > 0 ? hex(magicNumber(expectedRank)) + " (unsigned bytes, " + expectedRank
                + (expectedRank == 1 ? " dimension)" : " dimensions)") : "0x000008NN (unsigned bytes, NN dimensions)";
        byte[] magicBytes = in.readNBytes(4);
        if (magicBytes.length < 4) {
            throw new IOException(file + ": truncated: expected a 4-byte IDX magic number " + expected + ", got "
                    + magicBytes.length + " bytes");
        }
        int magic = ByteBuffer.wrap(magicBytes).getInt();
        if (magicBytes[0] != 0 || magicBytes[1] != 0) {
            throw new IOException(file + ": not an IDX file: magic number " + hex(magic) + ", expected " + expected);
        }
        int type = magicBytes[2] & 0xFF;
        if (type != UNSIGNED_BYTE) {
            throw new IOException(file + ": unsupported IDX data type 0x" + String.format("%02X", type) + " ("
                    + typeName(type) + ") in magic number " + hex(magic) + "; only 0x08 (unsigned byte) is supported");
        }
        int rank = magicBytes[3] & 0xFF;
        if (expectedRank > 0 && rank != expectedRank) {
            throw new IOException(file + ": wrong IDX magic number " + hex(magic) + " (" + rank
                    + (rank == 1 ? " dimension" : " dimensions") + "), expected " + expected);
        }
        if (rank == 0) {
            throw new IOException(file + ": IDX magic number " + hex(magic)
                    + " declares 0 dimensions; expected " + expected);
        }
        byte[] dimBytes = in.readNBytes(4 * rank);
        if (dimBytes.length < 4 * rank) {
            throw new IOException(file + ": truncated header: magic number " + hex(magic) + " announces " + rank
                    + " dimension sizes (" + 4 * rank + " bytes), got " + dimBytes.length + " bytes");
        }
        ByteBuffer sizes = ByteBuffer.wrap(dimBytes);
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = sizes.getInt();
        }
        for (int i = 0; i < rank; i++) {
            if (dims[i] <= 0) {
                throw new IOException(file + ": dimension " + i + " of " + Arrays.toString(dims) + " is " + dims[i]
                        + "; every dimension must be positive");
            }
        }
        return dims;
    }

    /** Reads up to {@code n} bytes into an array allocated up front; shorter if the stream ends first. */
    private static byte[] readUpTo(InputStream in, int n) throws IOException {
        byte[] data = new byte[n];
        int read = in.readNBytes(data, 0, n);
        return read == n ? data : Arrays.copyOf(data, read);
    }

    private static String hex(int magic) {
        return String.format("0x%08X", magic);
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0x09 -> "signed byte";
            case 0x0B -> "short";
            case 0x0C -> "int";
            case 0x0D -> "float";
            case 0x0E -> "double";
            default -> "not an IDX type";
        };
    }
}
