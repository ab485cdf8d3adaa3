package org.sparkmec.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.backend.cuda.CudaBackend;
import org.sparkmec.engine.backend.cuda.Gpu;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.data.LabeledImages;
import org.sparkmec.engine.data.TrainTestSplit;
import org.sparkmec.engine.model.ModelFile;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.optim.OptimizerKind;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.optim.ScheduleKind;
import org.sparkmec.engine.optim.ScheduleSpec;

/**
 * A short LeNet training (the model of conf/models/lenet.conf, 28x28x1, 10 classes, with a dropout layer
 * added) on the GPU against the CPU trainer: same seed, data order, initial weights and dropout masks,
 * so the step losses must agree to within float rounding grown over the run: {@code |gpu - cpu| <= 2e-3 +
 * 2e-2 * |cpu|} at each of the first 60 steps, and the final test accuracy within 3 points. Synthetic
 * images (10 bar patterns plus noise): the GPU machine has no dataset. Skipped where no GPU can be used.
 */
@Tag("gpu")
class CudaTrainingTest {
    @TempDir
    Path dir;

    static final String LENET = """
            name = lenet
            input { height = 28, width = 28, channels = 1 }
            layers = [
              { type = conv2d, name = conv1, filters = 6, kernel = 5, padding = 2, algorithm = mec }
              { type = relu }
              { type = maxpool2d, kernel = 2 }
              { type = conv2d, name = conv2, filters = 16, kernel = 5, algorithm = mec }
              { type = relu }
              { type = maxpool2d, kernel = 2 }
              { type = flatten }
              { type = dense, name = fc1, units = 120 }
              { type = relu }
              { type = dropout, rate = 0.1 }
              { type = dense, name = fc2, units = 84 }
              { type = relu }
              { type = dense, name = fc3, units = 10 }
            ]
            """;

    /** 28x28 images of 10 classes: a bright bar at one of 10 positions (rows for 0-4, columns for 5-9), plus noise. */
    static LabeledImages bars(String name, int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] pixels = new float[n * 784];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int y = rnd.nextInt(10);
            labels[i] = y;
            int at = 3 + (y % 5) * 5 + rnd.nextInt(2);
            for (int r = 0; r < 28; r++) {
                for (int c = 0; c < 28; c++) {
                    boolean on = y < 5 ? r == at : c == at;
                    pixels[i * 784 + r * 28 + c] = (on ? 0.7f : 0.1f) + (float) (rnd.nextDouble() * 0.3);
                }
            }
        }
        return new LabeledImages(name, 28, 28, 1, pixels, labels, 10);
    }

    record Run(List<Double> losses, double accuracy) {
    }

    static Run train(Backend backend, TrainTestSplit data, int epochs, Path out) throws java.io.IOException {
        ModelSpec spec = ModelFile.parse(LENET, "lenet (test)");
        TrainingOptions options = new TrainingOptions(epochs, 32, 11, 0,
                OptimizerSpec.defaults(OptimizerKind.SGD).withMomentum(0.9), ScheduleSpec.of(ScheduleKind.CONSTANT, 0.02),
                1L << 30, out, false, null);
        List<Double> losses = new ArrayList<>();
        LocalTrainer.Result r = new LocalTrainer(backend, spec, data, options, MecOptions.defaults(), null)
                .onStep((step, loss, images) -> losses.add(loss)).run();
        return new Run(losses, r.epochs().get(r.epochs().size() - 1).testAccuracy());
    }

    @Test
    void lenetOnTheGpuFollowsTheCpuLossCurve() throws java.io.IOException {
        TrainTestSplit data = new TrainTestSplit(bars("train", 1920, 1), bars("test", 500, 2));
        Run gpu;
        try (CudaBackend cuda = Gpu.openOrSkip()) {
            gpu = train(cuda, data, 1, dir.resolve("gpu"));
            assertEquals(0, cuda.memoryTracker().liveBytes(), "device bytes left live after training");
        }
        Run cpu;
        try (CpuBackend host = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.TASKS))) {
            cpu = train(host, data, 1, dir.resolve("cpu"));
        }
        assertEquals(cpu.losses().size(), gpu.losses().size());
        for (int i = 0; i < 60; i++) {
            double c = cpu.losses().get(i);
            double g = gpu.losses().get(i);
            assertTrue(Math.abs(g - c) <= 2e-3 + 2e-2 * Math.abs(c), "step " + (i + 1) + ": gpu loss " + g + ", cpu " + c);
        }
        assertTrue(cpu.losses().get(59) < 0.7 * cpu.losses().get(0), "the run must learn: " + cpu.losses());
        assertTrue(Math.abs(gpu.accuracy() - cpu.accuracy()) <= 0.03,
                "test accuracy gpu " + gpu.accuracy() + ", cpu " + cpu.accuracy());
    }
}
