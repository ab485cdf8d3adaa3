package org.sparkmec.benchmarks;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.data.LabeledImages;
import org.sparkmec.engine.model.ModelFile;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.nn.Layer;
import org.sparkmec.engine.nn.Mode;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.nn.Parameter;
import org.sparkmec.engine.nn.SoftmaxCrossEntropy;
import org.sparkmec.engine.optim.Optimizer;
import org.sparkmec.engine.optim.OptimizerKind;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.runtime.Backends;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.engine.tensor.Tensor;
import org.sparkmec.engine.train.BatchTensors;
import org.sparkmec.engine.train.Networks;

/**
 * Where the time of one in-process training step goes: the batch upload, each layer's forward and
 * backward, the loss and the optimizer update, each timed on its own with the backend synchronized
 * before and after (so the sum exceeds an unsynchronized step), medians over the steps after a warm-up;
 * then the unsynchronized step as the trainer runs it.
 *
 * <p>Usage: {@code StepProfile MODEL_FILE BACKEND [BATCH [STEPS [OPTIMIZER]]]}, e.g.
 * {@code conf/models/vgg-small.conf cuda 32 200}; OPTIMIZER {@code sgd} (plain), {@code adam} (defaults) or, when
 * not given, SGD with momentum 0.9 as the trainer benchmarks use.
 */
public final class StepProfile {
    private StepProfile() {
    }

    public static void main(String[] args) throws Exception {
        ModelSpec spec = ModelFile.read(Path.of(args[0]));
        EngineConf conf = EngineConf.from(Map.of(EngineConf.BACKEND.key(), args[1]));
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 200;
        int[] shape = {spec.input().height(), spec.input().width(), spec.input().channels()};
        LabeledImages data = new LabeledImages("profile", shape[0], shape[1], shape[2],
                pixels(batch * shape[0] * shape[1] * shape[2]), labels(batch, spec.classes()),
                spec.classes());
        int[] idx = new int[batch];
        for (int i = 0; i < batch; i++) {
            idx[i] = i;
        }
        try (Backend backend = Backends.create(conf);
             Network network = Networks.build(backend, spec, conf.mecOptions(backend.kind()), 1L << 32, 7);
             BatchTensors batches = new BatchTensors(backend, network)) {
            List<Layer> layers = network.layers();
            Optimizer optimizer = (args.length > 4 ? OptimizerSpec.parse(args[4])
                    : OptimizerSpec.defaults(OptimizerKind.SGD).withMomentum(0.9)).create();
            List<Parameter> parameters = network.parameters();
            int slots = 2 * layers.size() + 4;
            double[][] ms = new double[slots][steps];
            double[] whole = new double[steps];
            int warm = Math.max(5, steps / 10);
            for (int s = -warm; s < steps; s++) {
                int at = 0;
                double[] t = new double[slots];
                long t0 = tick(backend);
                BatchTensors.Batch b = batches.load(data, idx);
                t[at++] = since(backend, t0);
                network.timeLayers(backend);
                Tensor logits = network.forward(b.images(), Mode.TRAIN);
                for (int i = 0; i < layers.size(); i++) {
                    t[at++] = network.forwardMillis(i);
                }
                t0 = tick(backend);
                SoftmaxCrossEntropy.compute(backend, logits, b.labels(), b.gradLogits());
                t[at++] = since(backend, t0);
                network.backward(b.gradLogits());
                for (int i = layers.size() - 1; i >= 0; i--) {
                    t[at++] = network.backwardMillis(i);
                }
                network.timeLayers(null);
                t0 = tick(backend);
                optimizer.step(backend, parameters, 0.001);
                t[at++] = since(backend, t0);
                t0 = tick(backend);
                b = batches.load(data, idx);
                SoftmaxCrossEntropy.compute(backend, network.forward(b.images(), Mode.TRAIN), b.labels(), b.gradLogits());
                network.backward(b.gradLogits());
                optimizer.step(backend, parameters, 0.001);
                t[at] = since(backend, t0);
                if (s >= 0) {
                    for (int k = 0; k < slots; k++) {
                        ms[k][s] = t[k];
                    }
                    whole[s] = t[slots - 1];
                }
            }
            optimizer.releaseDeviceState();
            System.out.println(spec.name() + " on " + backend.description() + ", batch " + batch + ", medians of "
                    + steps + " steps (ms), each part synchronized:");
            int at = 0;
            double sum = 0;
            sum += print("upload batch", ms[at++]);
            for (Layer layer : layers) {
                sum += print("fwd " + layer.name() + " (" + layer.type() + ")", ms[at++]);
            }
            sum += print("loss", ms[at++]);
            for (int i = layers.size() - 1; i >= 0; i--) {
                sum += print("bwd " + layers.get(i).name() + " (" + layers.get(i).type() + ")", ms[at++]);
            }
            sum += print("optimizer", ms[at++]);
            System.out.printf(Locale.ROOT, "%-32s %8.4f%n", "sum of parts", sum);
            double step = median(whole);
            System.out.printf(Locale.ROOT, "%-32s %8.4f  (%.0f images/s)%n", "whole step, unsynchronized", step,
                    batch / step * 1e3);
        }
    }

    private static float[] pixels(int n) {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        float[] p = new float[n];
        for (int i = 0; i < n; i++) {
            p[i] = (float) rnd.nextDouble();
        }
        return p;
    }

    private static int[] labels(int n, int classes) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
        }
        return y;
    }

    private static long tick(Backend backend) {
        backend.synchronize();
        return System.nanoTime();
    }

    private static double since(Backend backend, long t0) {
        backend.synchronize();
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double print(String what, double[] values) {
        double m = median(values);
        System.out.printf(Locale.ROOT, "%-32s %8.4f%n", what, m);
        return m;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        return v[v.length / 2];
    }
}
