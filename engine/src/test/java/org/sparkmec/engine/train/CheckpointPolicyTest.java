package org.sparkmec.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checkpoint folder and interval settings, and which epochs write a checkpoint. */
class CheckpointPolicyTest {
    private static final Path OUT = Path.of("/runs/lenet");

    @Test
    void theFolderDefaultsToTheOutputFolderAndRelativePathsAreInsideIt() {
        TrainConf defaults = TrainConf.from(Map.of());
        assertEquals(new CheckpointPolicy(OUT, 1), defaults.checkpoints(OUT));
        assertEquals(OUT.resolve("checkpoint.ckpt"), defaults.checkpoints(OUT).file());
        TrainConf relative = TrainConf.from(Map.of(TrainConf.CHECKPOINT_DIR.key(), "ckpt/a",
                TrainConf.CHECKPOINT_EVERY.key(), "5"));
        assertEquals(new CheckpointPolicy(OUT.resolve("ckpt/a"), 5), relative.checkpoints(OUT));
        TrainConf absolute = TrainConf.from(Map.of(TrainConf.CHECKPOINT_DIR.key(), "/scratch/ckpt"));
        assertEquals(Path.of("/scratch/ckpt"), absolute.checkpoints(OUT).dir());
        assertEquals(Path.of("/runs/other"), CheckpointPolicy.of(OUT, "../other", 1).dir());
        assertEquals(OUT.resolve("x"), TrainConf.from(Map.of()).options(OUT.resolve("x"), false, null)
                .checkpoints().dir(), "the options carry the policy of their output folder");
    }

    @Test
    void writesAfterEveryNthEpochAndTheLast() {
        CheckpointPolicy every2 = new CheckpointPolicy(OUT, 2);
        boolean[] expected = {false, true, false, true, true};
        for (int epoch = 1; epoch <= 5; epoch++) {
            assertEquals(expected[epoch - 1], every2.writesAfter(epoch, 5), "epoch " + epoch + " of 5, every 2");
        }
        CheckpointPolicy lastOnly = new CheckpointPolicy(OUT, 0);
        assertFalse(lastOnly.writesAfter(1, 3));
        assertFalse(lastOnly.writesAfter(2, 3));
        assertTrue(lastOnly.writesAfter(3, 3));
        assertTrue(new CheckpointPolicy(OUT, 1).writesAfter(1, 3));
    }

    @Test
    void invalidValuesNameTheKey() {
        String every = assertThrows(IllegalArgumentException.class,
                () -> TrainConf.from(Map.of(TrainConf.CHECKPOINT_EVERY.key(), "-1"))).getMessage();
        assertTrue(every.contains("invalid value '-1' for spark.mec.train.checkpointEveryEpochs")
                && every.contains("an integer >= 0"), every);
        String dir = assertThrows(IllegalArgumentException.class,
                () -> TrainConf.from(Map.of(TrainConf.CHECKPOINT_DIR.key(), " "))).getMessage();
        assertTrue(dir.contains("spark.mec.train.checkpointDir") && dir.contains("empty path"), dir);
    }
}
