package org.sparkmec.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Atomic replacement of files: readers see the old or the whole new content, and no temp file stays. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    /** Every entry of {@code folder}, hidden ones included, by name. */
    private static List<String> entries(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesContentAndCreatesParentFolders() throws IOException {
        Path target = dir.resolve("a").resolve("b").resolve("result.csv");
        AtomicFiles.writeString(target, "layer,ms\ncv1,1.5\u00b5\n");
        assertEquals("layer,ms\ncv1,1.5\u00b5\n", Files.readString(target, StandardCharsets.UTF_8));
        assertEquals(List.of("result.csv"), entries(target.getParent()));
    }

    @Test
    void writesBytesThroughTheWriter() throws IOException {
        Path target = dir.resolve("data.bin");
        byte[] bytes = new byte[70_000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31);
        }
        AtomicFiles.write(target, out -> {
            out.write(bytes, 0, 1000);
            out.write(bytes, 1000, bytes.length - 1000);
        });
        assertArrayEquals(bytes, Files.readAllBytes(target));
    }

    @Test
    void replacesExistingContent() throws IOException {
        Path target = dir.resolve("out.txt");
        AtomicFiles.writeString(target, "old content that is longer than the new one");
        AtomicFiles.writeString(target, "new");
        assertEquals("new", Files.readString(target));
        AtomicFiles.writeString(target, "");
        assertEquals("", Files.readString(target));
        assertEquals(List.of("out.txt"), entries(dir), "no temp file left");
    }

    @Test
    void failingWriterLeavesThePreviousContentAndNoTempFile() throws IOException {
        Path target = dir.resolve("out.txt");
        AtomicFiles.writeString(target, "previous");
        IOException failure = new IOException("disk full");
        IOException thrown = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write("partial new content".getBytes(StandardCharsets.UTF_8));
            out.flush();
            throw failure;
        }));
        assertSame(failure, thrown.getCause(), "the writer's exception reaches the caller, as the cause");
        assertEquals("cannot write " + target.toAbsolutePath() + ": disk full", thrown.getMessage(),
                "the file and the operation are named");
        assertEquals("previous", Files.readString(target));
        assertEquals(List.of("out.txt"), entries(dir), "no temp file left");

        UncheckedIOException unchecked = new UncheckedIOException(new IOException("broken pipe"));
        assertSame(unchecked, assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(target, out -> {
            out.write('x');
            throw unchecked;
        })));
        assertEquals("previous", Files.readString(target));
        assertEquals(List.of("out.txt"), entries(dir), "no temp file left after an unchecked exception");
    }

    @Test
    void failingWriterCreatesNoTarget() throws IOException {
        Path target = dir.resolve("never.txt");
        assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(1);
            throw new IOException("fail");
        }));
        assertFalse(Files.exists(target));
        assertEquals(List.of(), entries(dir));
    }

    @Test
    void replacingAFileKeepsItReadableAsBefore() throws IOException {
        assumeTrue(Files.getFileAttributeView(dir, PosixFileAttributeView.class) != null, "POSIX file system");
        Path target = dir.resolve("results.csv");
        Files.writeString(target, "old");
        Set<PosixFilePermission> shared = PosixFilePermissions.fromString("rw-r--r--");
        Files.setPosixFilePermissions(target, shared);
        AtomicFiles.writeString(target, "new");
        assertEquals(shared, Files.getPosixFilePermissions(target));
    }
}
