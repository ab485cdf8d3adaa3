package org.sparkmec.benchmarks;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.data.FashionMnist;
import org.sparkmec.engine.model.ModelFile;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.runtime.Backends;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.engine.train.EpochMetrics;
import org.sparkmec.engine.train.LocalTrainer;
import org.sparkmec.engine.train.TrainConf;

/**
 * Trains a model on Fashion-MNIST in process, with only the engine on the class path (no Spark, no command-line
 * launcher): for machines that have a GPU but not the whole distribution, such as the GPU machine of
 * {@code dev/gpu/run}. The in-process trainer is the one {@code ./mec train --master none} runs, and the Spark
 * trainer equals it at the same global batch, so accuracies measured here are the product's.
 *
 * <p>Usage: {@code InProcessTraining MODEL_FILE FASHION_MNIST_DIR OUT_DIR [spark.mec.KEY=VALUE ...]}: the settings
 * are the {@code spark.mec.train.*}, {@code spark.mec.conv.*} and engine keys of {@code docs/configuration.md},
 * e.g. {@code spark.mec.backend=cuda spark.mec.train.epochs=30 spark.mec.train.learningRate=0.1}. Prints every
 * epoch's metrics and the final test accuracy; writes the usual run files into OUT_DIR.
 */
public final class InProcessTraining {
    private InProcessTraining() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: InProcessTraining MODEL_FILE FASHION_MNIST_DIR OUT_DIR [spark.mec.KEY=VALUE ...]");
            System.exit(2);
        }
        Map<String, String> settings = new TreeMap<>();
        for (int i = 3; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq < 1) {
                System.err.println("InProcessTraining: '" + args[i] + "' is not KEY=VALUE");
                System.exit(2);
            }
            settings.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        Map<String, String> engineSettings = EngineConf.engineEntries(settings);
        Map<String, String> trainSettings = new TreeMap<>(settings);
        trainSettings.keySet().removeAll(engineSettings.keySet());
        EngineConf engine = EngineConf.from(engineSettings);
        TrainConf train = TrainConf.from(trainSettings);
        ModelSpec spec = ModelFile.read(Path.of(args[0]));
        try (Backend backend = Backends.create(engine)) {
            LocalTrainer.Result r = new LocalTrainer(backend, spec, FashionMnist.load(Path.of(args[1])),
                    train.options(Path.of(args[2]), false, null), engine.mecOptions(backend.kind()), System.out).run();
            for (EpochMetrics m : r.epochs()) {
                System.out.println(m);
            }
            EpochMetrics last = r.epochs().get(r.epochs().size() - 1);
            System.out.printf(Locale.ROOT, "%s on %s: %d epochs, test accuracy %.2f%%, %.0f images/s in the last epoch%n",
                    spec.name(), backend.description(), r.epochs().size(), 100 * last.testAccuracy(),
                    last.imagesPerSecond());
        }
    }
}
