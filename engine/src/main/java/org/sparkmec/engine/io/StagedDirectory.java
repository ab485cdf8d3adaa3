package org.sparkmec.engine.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * An output folder written as a whole, so that a failed run never leaves one that looks complete: files
 * go into a staging folder next to the target ({@code TARGET.tmp-RANDOM}), and {@link #commit} renames it
 * to the target. Until then the target is untouched: it is absent, or holds the previous run's complete
 * output, which the commit replaces. {@link #close} without a commit deletes the staging folder.
 *
 * <p>A target that exists must be a folder holding only files that a run writes ({@code replaceable}
 * names); anything else is refused before any work, so that a mistyped {@code --out} cannot delete a
 * user's folder. One thread; close what {@link #create} returns.
 */
public final class StagedDirectory implements AutoCloseable {
    private final Path target;
    private final Path staging;
    private boolean committed;

    private StagedDirectory(Path target, Path staging) {
        this.target = target;
        this.staging = staging;
    }

    /**
     * Checks {@code target} and creates the staging folder (and the target's missing parents).
     *
     * @param replaceable file names that a previous output in {@code target} may hold
     * @throws IllegalArgumentException if {@code target} is a file, or a folder holding anything else, naming it
     */
    public static StagedDirectory create(Path target, Predicate<String> replaceable) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        if (absolute.getParent() == null) {
            throw new IllegalArgumentException("output folder " + target + " cannot be the file system root");
        }
        if (Files.exists(absolute)) {
            if (!Files.isDirectory(absolute)) {
                throw new IllegalArgumentException("output folder " + target + " exists and is not a folder");
            }
            List<String> others;
            try (Stream<Path> list = Files.list(absolute)) {
                others = list.filter(p -> !Files.isRegularFile(p) || !replaceable.test(p.getFileName().toString()))
                        .map(p -> p.getFileName().toString()).sorted().limit(3).toList();
            }
            if (!others.isEmpty()) {
                throw new IllegalArgumentException("output folder " + target + " exists and holds other files ("
                        + String.join(", ", others) + "); choose another folder or empty it");
            }
        }
        Files.createDirectories(absolute.getParent());
        Path staging = Files.createTempDirectory(absolute.getParent(), absolute.getFileName() + ".tmp-");
        if (staging.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            // temporary folders are created owner-only; the output is an ordinary folder
            Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return new StagedDirectory(absolute, staging);
    }

    /** Where to write the files until {@link #commit}. */
    public Path path() {
        if (committed) {
            throw new IllegalStateException("output folder " + target + " is already committed");
        }
        return staging;
    }

    /**
     * Renames the staging folder to the target. A previous target is first renamed aside
     * ({@code TARGET.old-RANDOM}) and deleted after; if the second rename fails, it is put back.
     */
    public void commit() throws IOException {
        path();
        Path old = null;
        if (Files.exists(target)) {
            old = Files.createTempDirectory(target.getParent(), target.getFileName() + ".old-");
            Files.delete(old);
            move(target, old);
        }
        try {
            move(staging, target);
        } catch (IOException e) {
            if (old != null) {
                move(old, target);
            }
            throw e;
        }
        committed = true;
        if (old != null) {
            deleteRecursively(old);
        }
    }

    /** Deletes the staging folder unless committed; idempotent. */
    @Override
    public void close() throws IOException {
        if (!committed && Files.exists(staging)) {
            deleteRecursively(staging);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
