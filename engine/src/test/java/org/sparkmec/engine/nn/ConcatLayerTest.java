package org.sparkmec.engine.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkmec.engine.conv.WithCpuBackend;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.RandomFill;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Channel concatenation on the CPU against a reference written with explicit (n, y, x, c) indices: forward and the
 * backward slices on awkward shapes, flat inputs, one input read twice, memory accounting and every error. A copy
 * changes no value, so results must be equal exactly.
 */
class ConcatLayerTest extends WithCpuBackend {

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(2, 5, 7, new int[] {1, 3, 5}),
                Arguments.of(3, 2, 3, new int[] {4, 8}),
                Arguments.of(1, 1, 1, new int[] {2, 1, 1, 7}),
                Arguments.of(2, 3, 1, new int[] {6, 6}));
    }

    @ParameterizedTest(name = "{0}x{1}x{2} with channels {3}")
    @MethodSource("shapes")
    void forwardPutsEachInputInItsChannelRange(int n, int h, int w, int[] channels) {
        List<Tensor> inputs = randomInputs(Layout.NHWC, new int[] {n, h, w}, channels);
        try (ConcatLayer layer = new ConcatLayer(backend, "cat")) {
            Tensor out = layer.forward(inputs, Mode.TRAIN);
            int total = sum(channels);
            assertArrayEquals(new int[] {n, h, w, total}, out.dims());
            assertEquals(Layout.NHWC, out.layout());
            float[] actual = out.toArray();
            float[] expected = new float[actual.length];
            Arrays.fill(expected, Float.NaN); // a position the reference misses fails the comparison
            int offset = 0;
            for (int i = 0; i < channels.length; i++) {
                float[] in = inputs.get(i).toArray();
                int first = offset;
                int width = channels[i];
                forEachPosition(n, h, w, width, (pixel, c) -> expected[pixel * total + first + c]
                        = in[pixel * width + c]);
                offset += channels[i];
            }
            assertArrayEquals(expected, actual);
        } finally {
            inputs.forEach(Tensor::close);
        }
    }

    @ParameterizedTest(name = "{0}x{1}x{2} with channels {3}")
    @MethodSource("shapes")
    void backwardGivesEachInputItsSliceOfTheOutputGradient(int n, int h, int w, int[] channels) {
        List<Tensor> inputs = randomInputs(Layout.NHWC, new int[] {n, h, w}, channels);
        int total = sum(channels);
        try (ConcatLayer layer = new ConcatLayer(backend, "cat");
             Tensor gradOut = RandomFill.uniformTensor(backend, Layout.NHWC, 99, n, h, w, total)) {
            layer.forward(inputs, Mode.TRAIN);
            boolean[] need = new boolean[channels.length];
            for (int i = 0; i < need.length; i++) {
                need[i] = i != 1;
            }
            Tensor[] grads = layer.backward(gradOut, need);
            float[] g = gradOut.toArray();
            int offset = 0;
            for (int i = 0; i < channels.length; i++) {
                if (!need[i]) {
                    assertNull(grads[i], "input " + (i + 1) + " asked for no gradient");
                } else {
                    assertArrayEquals(new int[] {n, h, w, channels[i]}, grads[i].dims());
                    float[] expected = new float[n * h * w * channels[i]];
                    int first = offset;
                    int width = channels[i];
                    forEachPosition(n, h, w, width, (pixel, c) -> expected[pixel * width + c]
                            = g[pixel * total + first + c]);
                    assertArrayEquals(expected, grads[i].toArray(), "gradient of input " + (i + 1));
                }
                offset += channels[i];
            }
        } finally {
            inputs.forEach(Tensor::close);
        }
    }

    @Test
    void flatInputsConcatenateTheirFeatures() {
        try (ConcatLayer layer = new ConcatLayer(backend, "cat");
             Tensor a = Tensor.of(backend, Layout.MATRIX, new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
             Tensor b = Tensor.of(backend, Layout.MATRIX, new float[] {7, 8}, 2, 1);
             Tensor grad = Tensor.of(backend, Layout.MATRIX, new float[] {10, 20, 30, 40, 50, 60, 70, 80}, 2, 4)) {
            Tensor out = layer.forward(List.of(a, b), Mode.EVAL);
            assertEquals(Layout.MATRIX, out.layout());
            assertArrayEquals(new int[] {2, 4}, out.dims());
            assertArrayEquals(new float[] {1, 2, 3, 7, 4, 5, 6, 8}, out.toArray());
            Tensor[] grads = layer.backward(grad, new boolean[] {true, true});
            assertArrayEquals(new float[] {10, 20, 30, 50, 60, 70}, grads[0].toArray());
            assertArrayEquals(new float[] {40, 80}, grads[1].toArray());
        }
    }

    /** {@code inputs = [x, x]}: two channel ranges of one tensor, two gradient tensors for the network to add. */
    @Test
    void oneInputReadTwiceGetsTwoGradients() {
        try (ConcatLayer layer = new ConcatLayer(backend, "cat");
             Tensor x = Tensor.of(backend, Layout.NHWC, new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
             Tensor grad = Tensor.of(backend, Layout.NHWC, new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 1, 1, 2, 4)) {
            assertArrayEquals(new float[] {1, 2, 1, 2, 3, 4, 3, 4}, layer.forward(List.of(x, x), Mode.TRAIN).toArray());
            Tensor[] grads = layer.backward(grad, new boolean[] {true, true});
            assertNotSame(grads[0], grads[1]);
            assertArrayEquals(new float[] {1, 2, 5, 6}, grads[0].toArray());
            assertArrayEquals(new float[] {3, 4, 7, 8}, grads[1].toArray());
        }
    }

    @Test
    void memoryCountsTheOutputAndEveryInputGradient() {
        int[] channels = {1, 3, 5};
        List<Tensor> inputs = randomInputs(Layout.NHWC, new int[] {2, 5, 7}, channels);
        try (ConcatLayer layer = new ConcatLayer(backend, "cat");
             Tensor grad = Tensor.zeros(backend, Layout.NHWC, 2, 5, 7, 9)) {
            layer.forward(inputs, Mode.TRAIN);
            assertEquals(new LayerMemory(0, 0, 70L * 9 * Float.BYTES, 0, 0), layer.memory());
            layer.backward(grad, new boolean[] {true, true, true});
            assertEquals(new LayerMemory(0, 0, 2 * 70L * 9 * Float.BYTES, 0, 0), layer.memory(),
                    "output (9 channels) and input gradients (1 + 3 + 5 channels) of 2x5x7 pixels");
        } finally {
            inputs.forEach(Tensor::close);
        }
    }

    @Test
    void inputsThatCannotBeJoinedAreNamedWithTheRule() {
        try (ConcatLayer layer = new ConcatLayer(backend, "cat")) {
            assertEquals("layer cat (concat) takes at least 2 inputs, got 1", assertThrows(
                    IllegalArgumentException.class, () -> layer.outputDims(new int[] {2, 5, 7, 1})).getMessage());
            assertEquals("layer cat (concat): inputs must agree in every dim but the last (channels), got [2, 5, 7, 1]"
                    + " (input 1) and [2, 5, 6, 3] (input 3)", assertThrows(IllegalArgumentException.class,
                    () -> layer.outputDims(List.of(new int[] {2, 5, 7, 1}, new int[] {2, 5, 7, 2},
                            new int[] {2, 5, 6, 3}))).getMessage());
            assertEquals("layer cat (concat): inputs must agree in every dim but the last (channels), got [2, 5, 7, 1]"
                    + " (input 1) and [3, 5, 7, 1] (input 2)", assertThrows(IllegalArgumentException.class,
                    () -> layer.outputDims(List.of(new int[] {2, 5, 7, 1}, new int[] {3, 5, 7, 1}))).getMessage());
            assertEquals("layer cat (concat): inputs must be all NHWC (n, h, w, c) or all flat (n, features), got"
                    + " [2, 5, 7, 1] (input 1) and [2, 35] (input 2)", assertThrows(IllegalArgumentException.class,
                    () -> layer.outputDims(List.of(new int[] {2, 5, 7, 1}, new int[] {2, 35}))).getMessage());
        }
    }

    @Test
    void forwardRefusesOneInputAndNonActivationLayouts() {
        try (ConcatLayer layer = new ConcatLayer(backend, "cat");
             Tensor x = Tensor.zeros(backend, Layout.NHWC, 1, 2, 2, 3);
             Tensor kernel = Tensor.zeros(backend, Layout.HWIO, 1, 2, 2, 3)) {
            assertEquals("layer cat (concat) takes at least 2 inputs, got 1",
                    assertThrows(IllegalArgumentException.class, () -> layer.forward(x, Mode.TRAIN)).getMessage());
            assertEquals("layer cat (concat): inputs of rank 4 must be NHWC activations, got Tensor[HWIO [1, 2, 2, 3]]"
                    + " (input 2)", assertThrows(IllegalArgumentException.class,
                    () -> layer.forward(List.of(x, kernel), Mode.TRAIN)).getMessage());
        }
    }

    @Test
    void backwardChecksItsCallAgainstTheLastForwardPass() {
        try (ConcatLayer layer = new ConcatLayer(backend, "cat");
             Tensor a = Tensor.zeros(backend, Layout.NHWC, 1, 2, 2, 3);
             Tensor b = Tensor.zeros(backend, Layout.NHWC, 1, 2, 2, 1);
             Tensor grad = Tensor.zeros(backend, Layout.NHWC, 1, 2, 2, 3)) {
            assertEquals("layer cat: backward before forward", assertThrows(IllegalStateException.class,
                    () -> layer.backward(grad, new boolean[] {true, true})).getMessage());
            layer.forward(List.of(a, b), Mode.TRAIN);
            assertEquals("layer cat (concat): 3 input-gradient flags for the last forward pass's 2 inputs",
                    assertThrows(IllegalArgumentException.class,
                            () -> layer.backward(grad, new boolean[] {true, true, true})).getMessage());
            assertEquals("layer cat (concat): the output gradient must have the output's dims [1, 2, 2, 4], got"
                    + " [1, 2, 2, 3]", assertThrows(IllegalArgumentException.class,
                    () -> layer.backward(grad, new boolean[] {true, true})).getMessage());
        }
    }

    private static List<Tensor> randomInputs(Layout layout, int[] outer, int[] channels) {
        List<Tensor> inputs = new ArrayList<>();
        for (int i = 0; i < channels.length; i++) {
            int[] dims = Arrays.copyOf(outer, outer.length + 1);
            dims[outer.length] = channels[i];
            inputs.add(RandomFill.uniformTensor(backend, layout, 10 + i, dims));
        }
        return inputs;
    }

    private static int sum(int[] values) {
        int s = 0;
        for (int v : values) {
            s += v;
        }
        return s;
    }

    /** Receives the pixel index {@code (n*h + y)*w + x} of one position and one channel. */
    @FunctionalInterface
    private interface PositionBody {
        void visit(int pixel, int channel);
    }

    private static void forEachPosition(int n, int h, int w, int channels, PositionBody body) {
        for (int b = 0; b < n; b++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < channels; c++) {
                        body.visit((b * h + y) * w + x, c);
                    }
                }
            }
        }
    }
}
