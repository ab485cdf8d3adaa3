package org.sparkmec.jobs;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.Backends;
import org.sparkmec.engine.config.EngineConf;
import org.sparkmec.engine.data.FashionMnist;
import org.sparkmec.engine.data.TrainTestSplit;
import org.sparkmec.engine.model.ModelFile;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.train.EpochMetrics;
import org.sparkmec.engine.train.LocalTrainer;
import org.sparkmec.engine.train.TrainConf;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./mec train}: trains a model declared in a file on Fashion-MNIST. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Trains a model on Fashion-MNIST (in process with --master none).",
                "Writes DIR/metrics.csv, DIR/layer_memory.csv, DIR/checkpoint.ckpt (each epoch), DIR/model.conf and "
                        + "DIR/model.ckpt."})
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--master", defaultValue = "none", paramLabel = "none|URL",
            description = "none: train in this process (default). Spark masters arrive with distributed training.")
    String master;

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "Model file, e.g. conf/models/lenet.conf.")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
    Path out;

    @Option(names = "--data", paramLabel = "DIR", description = "Fashion-MNIST folder (default: " + "/usr/share/datasets/fashion-mnist).")
    Path data;

    @Option(names = "--epochs", description = "Epochs (spark.mec.train.epochs; default 10).")
    Integer epochs;

    @Option(names = "--batch", description = "Mini-batch size (spark.mec.train.batchSize; default 32).")
    Integer batch;

    @Option(names = "--seed", description = "Seed (spark.mec.train.seed; default 1).")
    Integer seed;

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N training images (default: all).")
    Integer limit;

    @Option(names = "--optimizer", paramLabel = "sgd|adam", description = "Optimizer (spark.mec.train.optimizer; default sgd).")
    String optimizer;

    @Option(names = "--lr", description = "Learning rate (spark.mec.train.learningRate; default sgd 0.01, adam 0.001).")
    String learningRate;

    @Option(names = "--momentum", description = "SGD momentum (spark.mec.train.momentum; default 0.9).")
    String momentum;

    @Option(names = "--weight-decay", description = "L2 weight decay (spark.mec.train.weightDecay; default 5e-4).")
    String weightDecay;

    @Option(names = "--schedule", paramLabel = "constant|step|cosine",
            description = "Learning-rate schedule (spark.mec.train.schedule; default cosine).")
    String schedule;

    @Option(names = "--algorithm", paramLabel = "mec|im2col|auto",
            description = "Use this convolution algorithm in every conv layer instead of the model file's.")
    String algorithm;

    @Option(names = "--resume", description = "Continue from DIR/checkpoint.ckpt up to --epochs.")
    boolean resume;

    @Option(names = "--threads", description = "CPU threads (spark.mec.cpu.threads; default all cores).")
    Integer threads;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "Any spark.mec.* setting, e.g. --conf spark.mec.mec.threshold=64.")
    List<String> conf;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        if (!master.equals("none")) {
            throw new IllegalArgumentException("--master " + master + ": this build trains in process only (--master none); "
                    + "training on a Spark master is not available yet");
        }
        ConvAlgorithmChoice override = algorithm == null ? null : ConvAlgorithmChoice.parse(algorithm);
        Map<String, String> settings = settings();
        EngineConf engineConf = EngineConf.from(settings, TrainConf.keys());
        TrainConf trainConf = TrainConf.from(settings);
        ModelSpec spec = ModelFile.read(model);
        TrainTestSplit split = FashionMnist.load(data == null ? FashionMnist.DEFAULT_DIR : data);
        try (Backend backend = Backends.create(engineConf)) {
            LocalTrainer trainer = new LocalTrainer(backend, spec, split, trainConf.options(out, resume, !noProgress,
                    override),
                    engineConf.mecOptions(), noProgress ? null : System.err);
            LocalTrainer.Result result = trainer.run();
            EpochMetrics last = result.epochs().get(result.epochs().size() - 1);
            System.out.println(String.format(Locale.ROOT, "%s: %d epochs, test accuracy %.2f%%, %.0f images/s; wrote %s",
                    spec.name(), last.epoch(), 100 * last.testAccuracy(), last.imagesPerSecond(), out));
        }
        return 0;
    }

    private Map<String, String> settings() {
        Map<String, String> s = new HashMap<>();
        s.put(EngineConf.BACKEND.key(), "cpu");
        if (conf != null) {
            for (String kv : conf) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("--conf " + kv + ": expected KEY=VALUE");
                }
                s.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        CliSettings.putIfSet(s, TrainConf.EPOCHS.key(), epochs);
        CliSettings.putIfSet(s, TrainConf.BATCH_SIZE.key(), batch);
        CliSettings.putIfSet(s, TrainConf.SEED.key(), seed);
        CliSettings.putIfSet(s, TrainConf.LIMIT.key(), limit);
        CliSettings.putIfSet(s, TrainConf.OPTIMIZER.key(), optimizer);
        CliSettings.putIfSet(s, TrainConf.LEARNING_RATE.key(), learningRate);
        CliSettings.putIfSet(s, TrainConf.MOMENTUM.key(), momentum);
        CliSettings.putIfSet(s, TrainConf.WEIGHT_DECAY.key(), weightDecay);
        CliSettings.putIfSet(s, TrainConf.SCHEDULE.key(), schedule);
        CliSettings.putIfSet(s, EngineConf.CPU_THREADS.key(), threads);
        return s;
    }
}
