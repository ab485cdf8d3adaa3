package org.sparkmec.engine.train;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a run keeps {@code checkpoint.ckpt} (the state {@code --resume} continues from) and after which
 * epochs it writes it ({@link TrainConf#CHECKPOINT_DIR}, {@link TrainConf#CHECKPOINT_EVERY}).
 *
 * @param dir         the checkpoint folder
 * @param everyEpochs the checkpoint is written after every epoch whose number (from 1) is a multiple of
 *                    this, and always after a run's last epoch; 0: after the last epoch only
 */
public record CheckpointPolicy(Path dir, int everyEpochs) {

    public CheckpointPolicy {
        Objects.requireNonNull(dir, "dir");
        if (everyEpochs < 0) {
            throw new IllegalArgumentException("the checkpoint interval is 0 (last epoch only) or a number of epochs, got "
                    + everyEpochs);
        }
    }

    /**
     * The policy of a run writing to {@code outDir}.
     *
     * @param dir a folder; a relative one is taken inside {@code outDir} ({@code "."} is {@code outDir} itself)
     */
    public static CheckpointPolicy of(Path outDir, String dir, int everyEpochs) {
        return new CheckpointPolicy(outDir.resolve(dir).normalize(), everyEpochs);
    }

    /** The defaults: {@code outDir/checkpoint.ckpt} after every epoch. */
    public static CheckpointPolicy defaults(Path outDir) {
        return of(outDir, TrainConf.CHECKPOINT_DIR.parse(null), TrainConf.CHECKPOINT_EVERY.parse(null));
    }

    /** The checkpoint file. */
    public Path file() {
        return dir.resolve(TrainingFiles.CHECKPOINT);
    }

    /** Whether the checkpoint is written after epoch {@code epoch} (from 1) of a run of {@code epochs} epochs. */
    public boolean writesAfter(int epoch, int epochs) {
        return epoch == epochs || (everyEpochs > 0 && epoch % everyEpochs == 0);
    }
}
