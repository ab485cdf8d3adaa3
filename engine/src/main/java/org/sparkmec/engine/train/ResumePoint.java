package org.sparkmec.engine.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.optim.Optimizer;
import org.sparkmec.engine.optim.OptimizerKind;

/**
 * What a resumed run continues from, for the in-process and the Spark trainer alike: the checkpoint of an
 * earlier run, checked against this run, and that run's {@code metrics.csv} rows up to the checkpoint.
 *
 * @param file       the checkpoint file
 * @param checkpoint its content
 * @param history    the earlier run's metrics of epochs {@code 1..checkpoint.epochsCompleted()} (fewer if its
 *                   {@code metrics.csv} lacks them)
 */
public record ResumePoint(Path file, Checkpoint checkpoint, List<EpochMetrics> history) {
    /** Class names shown in a message: a longer list shows its first ones and its length. */
    private static final int NAMES_SHOWN = 8;

    public ResumePoint {
        history = List.copyOf(history);
    }

    /**
     * Reads the checkpoint of {@code checkpoints} and checks that it can continue {@code run}: the same model, seed,
     * optimizer and class names, up to more epochs than the checkpoint has. The class names are compared only
     * when both the checkpoint and {@code run} have them (a version-1 checkpoint has none, nor has data that names
     * no classes).
     *
     * @param modelText the run's model declaration ({@code ModelSpecWriter.toHocon}); must equal the checkpoint's
     * @param metrics   the earlier run's {@code metrics.csv}
     * @param run       the run to continue: its seed, optimizer, epochs and class names
     * @throws IllegalArgumentException naming the path when there is no checkpoint, or naming both values when
     *                                  the model, seed, optimizer or class names differ or the run's epochs are not
     *                                  above the checkpoint's
     * @throws IOException              if the checkpoint is unreadable, truncated or corrupt
     */
    public static ResumePoint load(CheckpointPolicy checkpoints, Path metrics, String modelText, RunSettings run)
            throws IOException {
        long seed = run.seed();
        OptimizerKind optimizer = run.optimizer().kind();
        int epochs = run.epochs();
        Path file = checkpoints.file();
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("cannot resume: no checkpoint at " + file + " (a run writes it there "
                    + "after its checkpointed epochs; the folder is --checkpoint-dir, spark.mec.train.checkpointDir)");
        }
        Checkpoint ckpt = Checkpoint.read(file);
        if (!ckpt.modelText().equals(modelText)) {
            throw new IllegalArgumentException("cannot resume: the checkpoint at " + file + " was written for another "
                    + "model declaration: " + firstDifference(ckpt.modelText(), modelText));
        }
        if (ckpt.seed() != seed) {
            throw new IllegalArgumentException("cannot resume: the checkpoint at " + file + " was trained with seed "
                    + ckpt.seed() + ", this run has --seed " + seed);
        }
        if (ckpt.epochsCompleted() >= epochs) {
            throw new IllegalArgumentException("cannot resume: the checkpoint at " + file + " has already trained "
                    + ckpt.epochsCompleted() + " epochs and --epochs is " + epochs + "; ask for more epochs");
        }
        if (ckpt.optimizer() == null || ckpt.optimizer().kind() != optimizer) {
            throw new IllegalArgumentException("cannot resume: the checkpoint at " + file + " has "
                    + (ckpt.optimizer() == null ? "no optimizer state (a final model)"
                    : "optimizer " + ckpt.optimizer().kind().configName()) + ", this run uses " + optimizer.configName());
        }
        List<String> names = run.classNames();
        if (!ckpt.classNames().isEmpty() && !names.isEmpty() && !ckpt.classNames().equals(names)) {
            throw new IllegalArgumentException("cannot resume: the checkpoint at " + file + " was trained on "
                    + describe(ckpt.classNames()) + ", this run's data has " + describe(names) + " ("
                    + firstDifference(ckpt.classNames(), names) + "); resume with data of the checkpoint's classes, "
                    + "in the same order (the earlier run's classes.csv lists them)");
        }
        return new ResumePoint(file, ckpt, TrainingFiles.readMetrics(metrics, ckpt.epochsCompleted()));
    }

    public int epochsCompleted() {
        return checkpoint.epochsCompleted();
    }

    /** Optimizer steps taken by the end of the checkpoint's last epoch. */
    public long steps() {
        return checkpoint.steps();
    }

    /**
     * Copies the checkpoint into a network built from the same declaration and seed, and into a fresh
     * optimizer of its kind: the weights, the dropout positions, the algorithms {@code auto} conv layers
     * chose, and the optimizer state.
     *
     * @throws IllegalArgumentException naming a parameter that is missing or has other dims in the checkpoint
     */
    public void restore(Network network, Optimizer optimizer) {
        try {
            checkpoint.loadInto(network, "the checkpoint at " + file);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot resume: " + e.getMessage(), e);
        }
        optimizer.load(checkpoint.optimizer());
    }

    /** {@code N classes [a, b, ...]}, the first {@link #NAMES_SHOWN} names of a longer list. */
    private static String describe(List<String> names) {
        String shown = names.size() <= NAMES_SHOWN ? String.join(", ", names)
                : String.join(", ", names.subList(0, NAMES_SHOWN)) + ", ...";
        return names.size() + " classes [" + shown + "]";
    }

    /** The first class index where two lists of class names differ, quoting both names. */
    private static String firstDifference(List<String> checkpointNames, List<String> runNames) {
        int i = 0;
        while (i < checkpointNames.size() && i < runNames.size() && checkpointNames.get(i).equals(runNames.get(i))) {
            i++;
        }
        return "class " + i + " is " + quoted(checkpointNames, i) + " in the checkpoint and " + quoted(runNames, i)
                + " in this run";
    }

    private static String quoted(List<String> names, int index) {
        return index < names.size() ? "'" + names.get(index) + "'" : "missing";
    }

    /** The first line where two model declarations differ, quoting both. */
    static String firstDifference(String checkpointText, String runText) {
        String[] a = checkpointText.split("\n", -1);
        String[] b = runText.split("\n", -1);
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            String x = i < a.length ? a[i].strip() : "(end)";
            String y = i < b.length ? b[i].strip() : "(end)";
            if (!x.equals(y)) {
                return "line " + (i + 1) + " is '" + x + "' in the checkpoint and '" + y + "' in this run's model";
            }
        }
        return "they differ in whitespace only";
    }
}
