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

    public ResumePoint {
        history = List.copyOf(history);
    }

    /**
     * Reads the checkpoint of {@code checkpoints} and checks that it can continue a run of this model, seed and
     * optimizer up to {@code epochs} epochs.
     *
     * @param modelText the run's model declaration ({@code ModelSpecWriter.toHocon}); must equal the checkpoint's
     * @param metrics   the earlier run's {@code metrics.csv}
     * @throws IllegalArgumentException naming the path when there is no checkpoint, or naming both values when
     *                                  the model, seed or optimizer differ or {@code epochs} is not above the
     *                                  checkpoint's
     * @throws IOException              if the checkpoint is unreadable, truncated or corrupt
     */
    public static ResumePoint load(CheckpointPolicy checkpoints, Path metrics, String modelText, long seed,
                                   OptimizerKind optimizer, int epochs) throws IOException {
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
