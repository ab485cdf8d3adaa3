package org.sparkmec.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.conv.WithCpuBackend;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.RandomFill;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Channel concatenation in a network on the CPU: an Inception-style block (two convolution branches and a pooling
 * branch joined by channels, then a convolution), one layer concatenated with itself, and two flat heads
 * concatenated before the dense layer; the back-propagated gradients of every parameter against finite differences
 * ({@link NetworkGradientCheck}), and the concatenation's row in the per-layer memory. The network has no ReLU, so
 * the loss is smooth in every parameter (max pooling reads the images only): with ReLUs after the branches, an
 * eps of 2e-3 crossed a kink for some sampled weights and two central differences were off by 15% and 64%.
 */
class ConcatNetworkTest extends WithCpuBackend {
    private static final int BATCH = 3;

    private static ModelSpec inceptionBlock() {
        return ModelSpec.builder("cat").input(7, 5, 3)
                .conv2d("b1", 2, 1)
                .conv2d("b3", 3, 3, c -> c.paddingSame()).inputs("input")
                .maxPool2d("pool", 3, p -> p.stride(1).paddingSame()).inputs("input")
                .concat("mixed", "b1", "b3", "pool")      // 7x5x(2 + 3 + 3)
                .conv2d("mix", 4, 3, c -> c.paddingSame())
                .concat("twice", "mix", "mix")            // 7x5x8: one input read twice
                .globalAvgPool("g1")
                .globalAvgPool("g2").inputs("mixed")
                .concat("head", "g1", "g2")               // flat 8 + 8
                .dense("fc", 3)
                .build();
    }

    private static Network network() {
        return Networks.build(backend, inceptionBlock(), MecOptions.defaults(), 1L << 28, 11, ConvAlgorithmChoice.MEC);
    }

    private static Tensor images() {
        return RandomFill.uniformTensor(backend, Layout.NHWC, 4, BATCH, 7, 5, 3);
    }

    @Test
    void gradientsThroughConcatenationsMatchFiniteDifferences() {
        try (Network net = network(); Tensor images = images()) {
            NetworkGradientCheck.checkParameters(backend, net, images, new int[] {2, 0, 1});
        }
    }

    @Test
    void theMemoryRowOfAConcatenationCountsItsOutputAndInputGradients() {
        try (Network net = network(); Tensor images = images()) {
            NetworkGradientCheck.step(backend, net, images, new int[] {2, 0, 1});
            LayerMemoryRow mixed = LayerMemoryRow.measure(net).stream().filter(r -> r.layer().equals("mixed"))
                    .findFirst().orElseThrow();
            assertEquals("concat", mixed.type());
            assertEquals("-", mixed.algorithm());
            assertEquals((long) BATCH * 7 * 5 * (8 + 2 + 3 + 3) * Float.BYTES, mixed.activationsBytes(),
                    "the output (8 channels) and the gradients of its three inputs (2 + 3 + 3 channels)");
            assertEquals(0, mixed.weightsBytes());
        }
    }
}
