package org.sparkmec.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.optim.OptimizerKind;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.optim.OptimizerState;
import org.sparkmec.engine.optim.ScheduleKind;
import org.sparkmec.engine.optim.ScheduleSpec;

/**
 * The class names a resumed run is checked against: the same names in the same order continue; other names, order
 * or count are refused in one line naming both lists; a checkpoint without names (version 1, or data that named
 * none) and data without names are not checked.
 */
class ResumePointTest {
    private static final String MODEL = "model { name = t }";
    private static final List<String> NAMES = List.of("Bag", "Sandal", "coat");

    @TempDir
    Path dir;

    /** A checkpoint after 1 of the run's epochs, of the run's model, seed and optimizer. */
    private static Checkpoint checkpoint(List<String> classNames) {
        Map<String, float[][]> slots = new TreeMap<>();
        slots.put("fc.weight", new float[][] {{0f, 0f}});
        return new Checkpoint(MODEL, 7, 1, 10, Map.of(), Map.of(),
                Map.of("fc.weight", new Checkpoint.Tensor(new int[] {2}, new float[] {1f, 2f})),
                new OptimizerState(OptimizerKind.SGD, 1, 10, slots), classNames);
    }

    private static RunSettings run(List<String> classNames) {
        return new RunSettings(3, 16, 7, 0, OptimizerSpec.defaults(OptimizerKind.SGD),
                ScheduleSpec.of(ScheduleKind.CONSTANT, 0.1), 0, null, true).withClassNames(classNames);
    }

    private ResumePoint load(List<String> runNames) throws IOException {
        return ResumePoint.load(CheckpointPolicy.defaults(dir), dir.resolve(TrainingFiles.METRICS), MODEL,
                run(runNames));
    }

    private String refusal(List<String> checkpointNames, List<String> runNames) throws IOException {
        checkpoint(checkpointNames).write(CheckpointPolicy.defaults(dir).file());
        return assertThrows(IllegalArgumentException.class, () -> load(runNames)).getMessage();
    }

    private String expected(String checkpointList, String runList, String difference) {
        return "cannot resume: the checkpoint at " + CheckpointPolicy.defaults(dir).file() + " was trained on "
                + checkpointList + ", this run's data has " + runList + " (" + difference + "); resume with data of "
                + "the checkpoint's classes, in the same order (the earlier run's classes.csv lists them)";
    }

    @Test
    void theSameNamesContinue() throws IOException {
        checkpoint(NAMES).write(CheckpointPolicy.defaults(dir).file());
        assertEquals(NAMES, load(NAMES).checkpoint().classNames());
    }

    @Test
    void otherNamesOrderOrCountAreRefusedNamingBothLists() throws IOException {
        assertEquals(expected("3 classes [Bag, Sandal, coat]", "3 classes [Bag, Sandal, shirt]",
                "class 2 is 'coat' in the checkpoint and 'shirt' in this run"),
                refusal(NAMES, List.of("Bag", "Sandal", "shirt")));
        assertEquals(expected("3 classes [Bag, Sandal, coat]", "3 classes [Sandal, Bag, coat]",
                "class 0 is 'Bag' in the checkpoint and 'Sandal' in this run"),
                refusal(NAMES, List.of("Sandal", "Bag", "coat")));
        assertEquals(expected("3 classes [Bag, Sandal, coat]", "2 classes [Bag, Sandal]",
                "class 2 is 'coat' in the checkpoint and missing in this run"),
                refusal(NAMES, List.of("Bag", "Sandal")));
    }

    /** A long list shows its first eight names and its length; the first difference says where it is. */
    @Test
    void longListsAreShortened() throws IOException {
        List<String> many = IntStream.range(0, 20).mapToObj(i -> String.format("class%02d", i)).toList();
        List<String> other = new java.util.ArrayList<>(many);
        other.set(17, "dog");
        assertEquals(expected("20 classes [class00, class01, class02, class03, class04, class05, class06, class07, ...]",
                "20 classes [class00, class01, class02, class03, class04, class05, class06, class07, ...]",
                "class 17 is 'class17' in the checkpoint and 'dog' in this run"), refusal(many, other));
    }

    @Test
    void checkpointsOrDataWithoutNamesAreNotChecked() throws IOException {
        Path file = CheckpointPolicy.defaults(dir).file();
        Files.write(file, CheckpointTest.versionOneBytes(checkpoint(List.of())));
        assertEquals(List.of(), load(NAMES).checkpoint().classNames(), "a version-1 checkpoint");
        checkpoint(List.of()).write(file);
        assertEquals(List.of(), load(NAMES).checkpoint().classNames(), "a checkpoint of data without names");
        checkpoint(NAMES).write(file);
        assertEquals(NAMES, load(List.of()).checkpoint().classNames(), "data without names");
    }
}
