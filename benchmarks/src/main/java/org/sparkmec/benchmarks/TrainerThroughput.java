package org.sparkmec.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.data.LabeledImages;
import org.sparkmec.engine.data.TrainTestSplit;
import org.sparkmec.engine.model.ModelFile;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.optim.OptimizerKind;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.optim.ScheduleKind;
import org.sparkmec.engine.optim.ScheduleSpec;
import org.sparkmec.engine.runtime.Backends;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.engine.train.EpochMetrics;
import org.sparkmec.engine.train.LocalTrainer;
import org.sparkmec.engine.train.TrainingOptions;

/**
 * In-process training throughput of a model on each backend named on the command line, side by side in
 * one run: images/s of the last epoch (forward, backward, update), on synthetic images of the model's
 * input shape (throughput does not depend on the pixels; the GPU machine has no dataset).
 *
 * <p>Usage: {@code TrainerThroughput MODEL_FILE IMAGES EPOCHS BATCH BACKEND...}, e.g.
 * {@code conf/models/lenet.conf 20000 2 32 cpu cuda}. Prints one line per backend and the ratio.
 */
public final class TrainerThroughput {
    private TrainerThroughput() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: TrainerThroughput MODEL_FILE IMAGES EPOCHS BATCH BACKEND...");
            System.exit(2);
        }
        ModelSpec spec = ModelFile.read(Path.of(args[0]));
        int images = Integer.parseInt(args[1]);
        int epochs = Integer.parseInt(args[2]);
        int batch = Integer.parseInt(args[3]);
        int[] shape = {spec.input().height(), spec.input().width(), spec.input().channels()};
        int classes = spec.classes();
        TrainTestSplit data = new TrainTestSplit(random("train", images, shape, classes, 1),
                random("test", Math.max(batch, images / 20), shape, classes, 2));
        double first = Double.NaN;
        for (int i = 4; i < args.length; i++) {
            EngineConf conf = EngineConf.from(Map.of(EngineConf.BACKEND.key(), args[i]));
            Path out = Files.createTempDirectory("throughput-" + args[i]);
            try (Backend backend = Backends.create(conf)) {
                TrainingOptions options = new TrainingOptions(epochs, batch, 7, 0,
                        OptimizerSpec.defaults(OptimizerKind.SGD).withMomentum(0.9),
                        ScheduleSpec.of(ScheduleKind.CONSTANT, 0.01), 1L << 32, out, false, null);
                LocalTrainer.Result r = new LocalTrainer(backend, spec, data, options, conf.mecOptions(backend.kind()), null).run();
                EpochMetrics last = r.epochs().get(r.epochs().size() - 1);
                if (Double.isNaN(first)) {
                    first = last.imagesPerSecond();
                }
                System.out.printf(Locale.ROOT, "%s: %s%n  epoch %d: %.0f images/s (%.2fx the first backend), train loss %.4f%n",
                        args[i], backend.description(), last.epoch(), last.imagesPerSecond(), last.imagesPerSecond() / first,
                        last.trainLoss());
            }
        }
    }

    private static LabeledImages random(String name, int n, int[] shape, int classes, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int size = shape[0] * shape[1] * shape[2];
        float[] pixels = new float[n * size];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rnd.nextInt(classes);
            for (int j = 0; j < size; j++) {
                pixels[i * size + j] = (float) rnd.nextDouble() + (j % classes == labels[i] ? 0.5f : 0f);
            }
        }
        return new LabeledImages(name, shape[0], shape[1], shape[2], pixels, labels, classes);
    }
}
