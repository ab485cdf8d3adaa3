package org.sparkmec.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.conv.WithCpuBackend;
import org.sparkmec.engine.model.ModelFile;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.nn.Mode;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.nn.Parameter;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.RandomFill;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Residual networks end to end on the CPU: the shipped ResNets' parameter counts, and a network whose layers
 * are read by several others (a residual block, an addition of one layer with itself) back-propagating what
 * finite differences of the softmax cross-entropy give.
 */
class ResidualNetworkTest extends WithCpuBackend {
    private static final Path MODELS = Path.of("..", "conf", "models");

    /**
     * ResNet-20: He et al. give 0.27M; ours has 1x1 projection shortcuts (2,752 more than the paper's zero
     * padding). ResNet-18: torchvision's resnet18 has 11,689,512.
     */
    @ParameterizedTest
    @CsvSource({"resnet20.conf, 272474, 1568", "resnet20-mnist.conf, 272186, 1568", "resnet18.conf, 11689512, 9600"})
    void shippedResNetsHaveTheirParameterCounts(String file, long trainable, long runningStatistics) {
        ModelSpec spec = ModelFile.read(MODELS.resolve(file));
        try (Network net = Networks.build(backend, spec, MecOptions.defaults(), 1L << 28, 1)) {
            long t = 0;
            long s = 0;
            for (Parameter p : net.parameters()) {
                if (p.trainable()) {
                    t += p.numElements();
                } else {
                    s += p.numElements();
                }
            }
            assertEquals(trainable, t, "trainable parameters of " + file);
            assertEquals(runningStatistics, s, "running statistics of " + file);
        }
    }

    @Test
    void residualGradientsMatchFiniteDifferences() {
        ModelSpec spec = ModelSpec.builder("res").input(7, 5, 3)
                .conv2d("c0", 4, 3, c -> c.paddingSame()).relu("r0")
                .conv2d("c1", 4, 3, c -> c.paddingSame().bias(false)).batchNorm("b1").relu("r1")
                .conv2d("c2", 4, 3, c -> c.paddingSame().stride(2)).batchNorm("b2")
                .conv2d("proj", 4, 1, c -> c.stride(2)).inputs("r0")
                .add("sum", "b2", "proj").relu("out")
                .add("twice", "out", "out")
                .globalAvgPool("gap").dense("fc", 3)
                .build();
        try (Network net = Networks.build(backend, spec, MecOptions.defaults(), 1L << 28, 5, ConvAlgorithmChoice.MEC);
             Tensor images = RandomFill.uniformTensor(backend, Layout.NHWC, 9, 3, 7, 5, 3)) {
            NetworkGradientCheck.checkParameters(backend, net, images, new int[] {0, 2, 1});
        }
    }

    /** Network.timeLayers: every layer of a graph gets a forward and a backward time while on, and none after. */
    @Test
    void layerTimesFollowTheGraph() {
        ModelSpec spec = ModelFile.read(MODELS.resolve("resnet20.conf"));
        try (Network net = Networks.build(backend, spec, MecOptions.defaults(), 1L << 28, 1);
             Tensor images = RandomFill.uniformTensor(backend, Layout.NHWC, 2, 2, 32, 32, 3);
             Tensor grad = RandomFill.uniformTensor(backend, Layout.MATRIX, 3, 2, 10)) {
            net.forward(images, Mode.TRAIN);
            net.backward(grad);
            for (int i = 0; i < net.layers().size(); i++) {
                assertEquals(0.0, net.forwardMillis(i) + net.backwardMillis(i), "layer " + i + " before timing");
            }
            net.timeLayers(backend);
            net.forward(images, Mode.TRAIN);
            net.backward(grad);
            net.timeLayers(null);
            double[] forward = new double[net.layers().size()];
            for (int i = 0; i < forward.length; i++) {
                forward[i] = net.forwardMillis(i);
                String name = net.layers().get(i).name();
                assertTrue(net.forwardMillis(i) > 0 && net.backwardMillis(i) > 0, name + " not timed");
            }
            net.forward(images, Mode.TRAIN);
            for (int i = 0; i < forward.length; i++) {
                assertEquals(forward[i], net.forwardMillis(i), "layer " + i + " after timing stopped");
            }
        }
    }
}
