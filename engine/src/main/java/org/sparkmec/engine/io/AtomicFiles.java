package org.sparkmec.engine.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes files so that a reader sees the old content or the whole new content, never a part: the data
 * goes to a temporary file in the same folder, is forced to disk, and is renamed over the target.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Content producer for {@link #write(Path, Writer)}. */
    @FunctionalInterface
    public interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Atomically replaces {@code target} with what {@code writer} writes; creates missing parent folders.
     *
     * @throws IOException naming {@code target} and the operation that failed (a full disk, a folder that is not
     *                     writable), with the original exception as its cause
     */
    public static void write(Path target, Writer writer) throws IOException {
        try {
            writeOrThrow(target, writer);
        } catch (IOException e) {
            throw new IOException("cannot write " + target.toAbsolutePath() + ": " + reason(e, target), e);
        }
    }

    /**
     * What went wrong in an I/O exception about {@code named}, without repeating that path: a file system
     * exception's reason (or its kind, e.g. access denied) and the file it names when that is another one.
     */
    public static String reason(IOException e, Path named) {
        if (e instanceof java.nio.file.FileSystemException fs) {
            String reason = fs.getReason() != null ? fs.getReason()
                    : e.getClass().getSimpleName().replaceAll("Exception$", "").replaceAll("([a-z])([A-Z])", "$1 $2")
                    .toLowerCase(java.util.Locale.ROOT);
            boolean other = fs.getFile() != null && !Path.of(fs.getFile()).toAbsolutePath().equals(named.toAbsolutePath());
            return reason + (other ? " (" + fs.getFile() + ")" : "");
        }
        return String.valueOf(e.getMessage());
    }

    private static void writeOrThrow(Path target, Writer writer) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            keepPermissions(target, tmp);
            try (OutputStream out = Files.newOutputStream(tmp)) {
                writer.writeTo(out);
            }
            try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Gives the temporary file the permissions of the file it replaces, or rw-r--r-- for a new file
     * (temporary files are created owner-only).
     */
    private static void keepPermissions(Path target, Path tmp) throws IOException {
        if (!tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        Set<PosixFilePermission> permissions = Files.exists(target) ? Files.getPosixFilePermissions(target)
                : PosixFilePermissions.fromString("rw-r--r--");
        Files.setPosixFilePermissions(tmp, permissions);
    }

    /** Atomically replaces {@code target} with {@code text} in UTF-8. */
    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }
}
