package org.sparkmec.jobs;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.sparkmec.engine.io.AtomicFiles;
import org.sparkmec.engine.train.TrainingFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The output and checkpoint folders of one {@code ./mec train} run, and the rule that keeps a failed run
 * from leaving a folder that looks like a finished one (the same for the in-process and the Spark trainer):
 * <ol>
 *   <li>A run without {@code --resume} refuses folders that already hold a run's files ({@link #RUN_FILES}):
 *       it would mix its files with another run's. Other files in the folders do not matter.</li>
 *   <li>The trainers write {@code model.ckpt}, the final model, last, once every epoch is done: a folder
 *       without it is not a finished run. (A resumed run leaves the earlier run's {@code model.ckpt} in place
 *       until it replaces it, atomically, at its end.)</li>
 *   <li>If the run fails before it finishes its first epoch ({@code metrics.csv} is as it was), or before there is
 *       a checkpoint to resume from, it deletes the run files it created, then the folders it created if they
 *       are empty; never a file or folder that existed before. If it fails later, everything stays:
 *       {@code metrics.csv} shows how far it got and {@code checkpoint.ckpt} lets {@code --resume} continue.</li>
 *   <li>The same holds when the run is interrupted (Ctrl-C, SIGTERM: a shutdown hook, {@link #runOrCleanUp}),
 *       which prints one line: where it was interrupted and the checkpoint to resume from, or that nothing was
 *       kept.</li>
 * </ol>
 * Bad input detected before training (settings, model file, data, a checkpoint that cannot be resumed)
 * fails before anything is written.
 */
final class RunFolders {
    private static final Logger LOG = LoggerFactory.getLogger(RunFolders.class);

    /** The files a training run writes into its output folder (the checkpoint may go elsewhere). */
    static final List<String> RUN_FILES = List.of(TrainingFiles.METRICS, TrainingFiles.LAYER_MEMORY,
            TrainingFiles.CHECKPOINT, TrainingFiles.MODEL_CONF, TrainingFiles.MODEL_CKPT, TrainingFiles.CLASSES);

    /** The run files this run may write, each existing before it or not. */
    private final Set<Path> runFiles;
    private final Set<Path> existedBefore = new LinkedHashSet<>();
    /** Per folder, the outermost folder this run creates on the way to it (absent: the folder existed). */
    private final Map<Path, Path> createdFrom = new LinkedHashMap<>();
    private final Path metrics;
    private final byte[] metricsBefore;
    private final Path checkpoint;
    private volatile long stepsDone;
    /** Set by the shutdown hook: a run of this JVM was interrupted, and the hook says so. */
    private static volatile boolean interrupted;
    private volatile boolean interruptHandled;

    private RunFolders(Path out, Path checkpointDir, boolean resume) throws IOException {
        Path outDir = out.toAbsolutePath().normalize();
        Path ckptDir = checkpointDir.toAbsolutePath().normalize();
        checkFolder("--out", outDir);
        checkFolder("--checkpoint-dir", ckptDir);
        runFiles = new LinkedHashSet<>();
        RUN_FILES.forEach(name -> runFiles.add(outDir.resolve(name)));
        runFiles.add(ckptDir.resolve(TrainingFiles.CHECKPOINT));
        for (Path f : runFiles) {
            if (Files.exists(f)) {
                existedBefore.add(f);
            }
        }
        if (!resume) {
            refuseEarlierRun("--out", outDir);
            if (!ckptDir.equals(outDir)) {
                refuseEarlierRun("--checkpoint-dir", ckptDir);
            }
        }
        try {
            createWritable("--out", outDir);
            createWritable("--checkpoint-dir", ckptDir);
        } catch (IllegalArgumentException e) {
            deleteWhatTheRunCreated();
            throw e;
        }
        metrics = outDir.resolve(TrainingFiles.METRICS);
        checkpoint = ckptDir.resolve(TrainingFiles.CHECKPOINT);
        metricsBefore = Files.isRegularFile(metrics) ? Files.readAllBytes(metrics) : null;
    }

    /**
     * Takes note of what exists before a run writes to {@code out} and {@code checkpointDir}, then creates them.
     *
     * @throws IllegalArgumentException if a folder is (under) a file, cannot be created or written (naming it and
     *                                  why), or, without {@code resume}, already holds a run's files
     */
    static RunFolders claim(Path out, Path checkpointDir, boolean resume) throws IOException {
        return new RunFolders(out, checkpointDir, resume);
    }

    private void checkFolder(String option, Path folder) {
        Path existing = folder;
        Path outermostNew = null;
        while (existing != null && !Files.exists(existing)) {
            outermostNew = existing;
            existing = existing.getParent();
        }
        if (existing != null && !Files.isDirectory(existing)) {
            throw new IllegalArgumentException(option + " " + folder + ": " + existing + " is a file, not a folder");
        }
        if (outermostNew != null) {
            createdFrom.put(folder, outermostNew);
        }
    }

    /**
     * Creates {@code folder} (a failed run deletes it again) and checks that it is writable, so that a folder the
     * run cannot write fails now, naming it, not after the first epoch.
     */
    private static void createWritable(String option, Path folder) {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + folder + ": cannot create the folder: "
                    + AtomicFiles.reason(e, folder), e);
        }
        if (!Files.isWritable(folder)) {
            throw new IllegalArgumentException(option + " " + folder + ": the folder is not writable");
        }
    }

    private void refuseEarlierRun(String option, Path folder) {
        List<String> found = new ArrayList<>();
        for (Path f : existedBefore) {
            if (f.getParent().equals(folder)) {
                found.add(f.getFileName().toString());
            }
        }
        if (!found.isEmpty()) {
            throw new IllegalArgumentException(option + " " + folder + " already holds a training run's files ("
                    + String.join(", ", found) + "); continue that run with --resume, or choose another folder "
                    + "(nothing was changed)");
        }
    }

    /**
     * Runs {@code training}; if it throws, applies the rule above before the exception goes on (a failure to
     * clean up is added to it as suppressed). While it runs, a shutdown hook handles an interruption
     * ({@link #interrupt}) and prints its line on standard error.
     */
    <T> T runOrCleanUp(Callable<T> training) throws Exception {
        Thread hook = new Thread(() -> {
            interrupted = true;
            System.err.println("mec train: " + interrupt());
        }, "mec-train-interrupted");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return training.call();
        } catch (Throwable e) {
            if (!interruptHandled) {
                try {
                    cleanUpAfterFailure();
                } catch (IOException | RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            throw e;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook runs (or ran): it handles the interruption.
            }
        }
    }

    /** Records that the run has applied {@code steps} steps (for the interruption's message); any thread. */
    void stepDone(long steps) {
        stepsDone = steps;
    }

    /** True once a run was interrupted: its failure is then reported by the interruption's line alone. */
    static boolean interrupted() {
        return interrupted;
    }

    /**
     * The run is being interrupted: keeps its files if there is a checkpoint to resume from, else deletes what it
     * created ({@link #cleanUpAfterFailure}).
     *
     * @return the line to print: {@code interrupted at epoch E step S; checkpoint at PATH (resume with --resume)},
     *         or that nothing was kept
     */
    String interrupt() {
        interruptHandled = true;
        String where = "interrupted at epoch " + (epochsInMetrics() + 1) + " step " + stepsDone;
        if (Files.isRegularFile(checkpoint)) {
            return where + "; checkpoint at " + checkpoint + " (resume with --resume)";
        }
        try {
            List<Path> deleted = deleteWhatTheRunCreated();
            return where + "; no checkpoint yet, nothing was kept" + (deleted.isEmpty() ? "" : " (deleted " + deleted + ")");
        } catch (IOException | RuntimeException e) {
            return where + "; no checkpoint yet, and deleting the run's files failed: " + e.getMessage();
        }
    }

    /** Epoch rows in metrics.csv (0 without it). */
    private int epochsInMetrics() {
        try {
            return Files.isRegularFile(metrics) ? Math.max(0, Files.readAllLines(metrics).size() - 1) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * After a failed run: deletes the run files and folders it created if it finished no epoch, or left no
     * checkpoint to resume from.
     *
     * @return the paths deleted, outermost last
     */
    List<Path> cleanUpAfterFailure() throws IOException {
        byte[] now = Files.isRegularFile(metrics) ? Files.readAllBytes(metrics) : null;
        boolean epochDone = !Arrays.equals(now, metricsBefore);
        if (epochDone && Files.isRegularFile(checkpoint)) {
            LOG.warn("the run failed after finishing an epoch: its files stay ({} shows how far it got; --resume "
                    + "continues from the last checkpoint)", metrics);
            return List.of();
        }
        List<Path> deleted = deleteWhatTheRunCreated();
        if (!deleted.isEmpty()) {
            LOG.warn("the run failed before {}: deleted what it had created: {}", epochDone ? "its first checkpoint"
                    : "finishing an epoch", deleted);
        }
        return deleted;
    }

    private List<Path> deleteWhatTheRunCreated() throws IOException {
        List<Path> deleted = new ArrayList<>();
        for (Path f : runFiles) {
            if (!existedBefore.contains(f) && Files.deleteIfExists(f)) {
                deleted.add(f);
            }
        }
        List<Path> folders = new ArrayList<>(createdFrom.keySet());
        folders.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        for (Path folder : folders) {
            Path stop = createdFrom.get(folder);
            for (Path d = folder; d != null && d.startsWith(stop); d = d.getParent()) {
                try {
                    if (Files.deleteIfExists(d)) {
                        deleted.add(d);
                    }
                } catch (DirectoryNotEmptyException e) {
                    break;
                }
            }
        }
        return deleted;
    }
}
