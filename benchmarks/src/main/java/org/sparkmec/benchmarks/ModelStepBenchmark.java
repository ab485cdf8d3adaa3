package org.sparkmec.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.bench.Timing;
import org.sparkmec.engine.model.ModelFile;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.nn.Mode;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.nn.SoftmaxCrossEntropy;
import org.sparkmec.engine.optim.Optimizer;
import org.sparkmec.engine.optim.Sgd;
import org.sparkmec.engine.runtime.Backends;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.RandomFill;
import org.sparkmec.engine.tensor.Tensor;
import org.sparkmec.engine.train.LayerMemoryRow;
import org.sparkmec.engine.train.Networks;

/**
 * One training step of a model (forward in training mode, softmax cross-entropy, backward, SGD update where
 * the parameters live, as the trainer runs it: on the GPU for the CUDA backend) at a batch size, with every conv layer on each algorithm named: images/s and the per-layer memory table
 * (weights, activations, convolution workspace, the engine's peak of live bytes while the layer ran), side by
 * side, and when the host had issued the step's work (a step whose host time is close to its whole time is
 * bound by kernel launches, not by the GPU). Synthetic images (uniform in [-1, 1), seed 1) and labels {@code i % classes}: the cost does not depend on
 * the pixels. The first step is a warm-up (buffers, kernels, JIT); the time is the median of the steps after it.
 *
 * <p>Usage: {@code ModelStepBenchmark MODEL_FILE BATCH STEPS BACKEND ALGORITHM...}, e.g.
 * {@code conf/models/resnet18.conf 32 3 cpu mec im2col} (docs/training.md gives the full command).
 */
public final class ModelStepBenchmark {
    private static final double MIB = 1 << 20;

    private ModelStepBenchmark() {
    }

    /** What one algorithm measured. */
    private record Run(String algorithm, double medianMillis, double[] stepMillis, double medianIssueMillis,
                       List<LayerMemoryRow> layers) {
        long peakBytes() {
            return layers.stream().mapToLong(LayerMemoryRow::peakBytes).max().orElse(0);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: ModelStepBenchmark MODEL_FILE BATCH STEPS BACKEND ALGORITHM...");
            System.exit(2);
        }
        ModelSpec spec = ModelFile.read(Path.of(args[0]));
        int batch = Integer.parseInt(args[1]);
        int steps = Integer.parseInt(args[2]);
        if (batch < 1 || steps < 1) {
            throw new IllegalArgumentException("BATCH and STEPS must be at least 1, got " + batch + " and " + steps);
        }
        EngineConf conf = EngineConf.from(Map.of(EngineConf.BACKEND.key(), args[3]));
        List<Run> runs = new ArrayList<>();
        try (Backend backend = Backends.create(conf)) {
            System.out.printf(Locale.ROOT, "%s, batch %d, %d timed steps after 1 warm-up; backend %s%n", spec.name(),
                    batch, steps, backend.description());
            for (int a = 4; a < args.length; a++) {
                runs.add(run(backend, conf, spec, ConvAlgorithmChoice.parse(args[a]), batch, steps));
                Run r = runs.get(runs.size() - 1);
                System.out.printf(Locale.ROOT,
                        "%s: %.1f ms per step, %.1f images/s (steps %s ms; host done issuing after %.1f ms), peak %.1f MiB%n",
                        r.algorithm(), r.medianMillis(), batch * 1000 / r.medianMillis(), format(r.stepMillis()),
                        r.medianIssueMillis(), r.peakBytes() / MIB);
            }
        }
        printTable(runs);
    }

    private static Run run(Backend backend, EngineConf conf, ModelSpec spec, ConvAlgorithmChoice algorithm, int batch,
                           int steps) {
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = i % spec.classes();
        }
        try (Network net = Networks.build(backend, spec, conf.mecOptions(backend.kind()), 1L << 40, 7, algorithm);
             Tensor images = RandomFill.uniformTensor(backend, Layout.NHWC, 1, batch, spec.input().height(),
                     spec.input().width(), spec.input().channels());
             Tensor grad = Tensor.zeros(backend, Layout.MATRIX, batch, spec.classes())) {
            net.measurePeaks(backend.memoryTracker());
            Optimizer sgd = new Sgd(0.9, false, 5e-4);
            double[] millis = new double[steps];
            double[] issueMillis = new double[steps];
            for (int s = -1; s < steps; s++) {
                backend.synchronize();
                long t0 = System.nanoTime();
                SoftmaxCrossEntropy.compute(backend, net.forward(images, Mode.TRAIN), labels, grad);
                net.backward(grad);
                sgd.step(backend, net.parameters(), 0.01);
                long issued = System.nanoTime();
                backend.synchronize();
                if (s >= 0) {
                    millis[s] = (System.nanoTime() - t0) / 1e6;
                    issueMillis[s] = (issued - t0) / 1e6;
                }
            }
            sgd.releaseDeviceState();
            return new Run(algorithm.configName(), Timing.median(millis), millis, Timing.median(issueMillis),
                    LayerMemoryRow.measure(net));
        }
    }

    private static String format(double[] millis) {
        StringBuilder s = new StringBuilder();
        for (double m : millis) {
            s.append(s.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", m));
        }
        return s.toString();
    }

    /** Per layer: type, weights and activations (the same for every algorithm), then workspace and peak per run. */
    private static void printTable(List<Run> runs) {
        if (runs.isEmpty()) {
            return;
        }
        StringBuilder header = new StringBuilder("| layer | type | weights MiB | activations MiB |");
        StringBuilder rule = new StringBuilder("|---|---|---|---|");
        for (Run r : runs) {
            header.append(' ').append(r.algorithm()).append(" workspace MiB | ").append(r.algorithm())
                    .append(" peak MiB |");
            rule.append("---|---|");
        }
        System.out.println();
        System.out.println(header);
        System.out.println(rule);
        List<LayerMemoryRow> first = runs.get(0).layers();
        for (int i = 0; i < first.size(); i++) {
            LayerMemoryRow row = first.get(i);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "| %s | %s | %.2f | %.2f |", row.layer(),
                    row.type(), row.weightsBytes() / MIB, row.activationsBytes() / MIB));
            for (Run r : runs) {
                LayerMemoryRow other = r.layers().get(i);
                line.append(String.format(Locale.ROOT, " %.2f | %.1f |", other.workspaceBytes() / MIB,
                        other.peakBytes() / MIB));
            }
            System.out.println(line);
        }
        StringBuilder total = new StringBuilder(String.format(Locale.ROOT, "| all | | %.2f | %.2f |",
                first.stream().mapToLong(LayerMemoryRow::weightsBytes).sum() / MIB,
                first.stream().mapToLong(LayerMemoryRow::activationsBytes).sum() / MIB));
        for (Run r : runs) {
            total.append(String.format(Locale.ROOT, " %.2f (largest) | %.1f |",
                    r.layers().stream().mapToLong(LayerMemoryRow::workspaceBytes).max().orElse(0) / MIB,
                    r.peakBytes() / MIB));
        }
        System.out.println(total);
    }
}
