package org.sparkmec.engine.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkmec.engine.conv.ConvTestSupport.random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sparkmec.engine.shape.Conv2dParams;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Every algorithm rejects bad arguments before computing: {@link IllegalArgumentException} naming the
 * offending value and the rule it breaks, {@link IllegalStateException} for a closed tensor, and the
 * output left untouched.
 */
class ConvolutionValidationTest extends WithCpuBackend {

    private static Convolution create(ConvAlgorithm algorithm, Conv2dParams params) {
        return Convolutions.create(algorithm, backend, params, MecOptions.defaults());
    }

    /** Asserts that {@code call} throws {@code type} with a message containing every fragment. */
    private static <T extends Throwable> T assertRejected(Class<T> type, Executable call, String... fragments) {
        T e = assertThrows(type, call);
        for (String f : fragments) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(f),
                    "message '" + e.getMessage() + "' should contain '" + f + "'");
        }
        return e;
    }

    private static Tensor nhwc(int... dims) {
        return random(backend, Layout.NHWC, 11, dims);
    }

    private static Tensor hwio(int... dims) {
        return random(backend, Layout.HWIO, 12, dims);
    }

    private static Tensor vector(int length) {
        return random(backend, Layout.VECTOR, 13, length);
    }

    @ParameterizedTest
    @EnumSource(ConvAlgorithm.class)
    void kernelLargerThanPaddedInputIsRejected(ConvAlgorithm algorithm) {
        Convolution conv = create(algorithm, Conv2dParams.of(1, 0));
        try (Tensor input = nhwc(1, 4, 4, 1);
             Tensor kernel = hwio(11, 11, 1, 1);
             Tensor output = Tensor.zeros(backend, Layout.NHWC, 1, 1, 1, 1)) {
            assertRejected(IllegalArgumentException.class, () -> conv.forward(input, kernel, null, output),
                    "kernel 11x11 larger than padded input 4x4");
            assertRejected(IllegalArgumentException.class,
                    () -> conv.backward(input, kernel, output, null, null, null),
                    "kernel 11x11 larger than padded input 4x4");
        }
        Convolution padded = create(algorithm, new Conv2dParams(1, 1, 1, 2));
        try (Tensor input = nhwc(1, 4, 4, 1);
             Tensor kernel = hwio(7, 7, 1, 1);
             Tensor output = Tensor.zeros(backend, Layout.NHWC, 1, 1, 1, 1)) {
            assertRejected(IllegalArgumentException.class, () -> padded.forward(input, kernel, null, output),
                    "kernel 7x7 larger than padded input 6x8", "padding 1x2");
        }
    }

    @Test
    void nonPositiveStrideIsRejected() {
        assertRejected(IllegalArgumentException.class, () -> new Conv2dParams(0, 1, 0, 0),
                "stride must be at least 1", "s_h=0");
        assertRejected(IllegalArgumentException.class, () -> new Conv2dParams(1, 0, 0, 0),
                "stride must be at least 1", "s_w=0");
        assertRejected(IllegalArgumentException.class, () -> Conv2dParams.of(-2, 0),
                "stride must be at least 1", "s_h=-2");
        assertRejected(IllegalArgumentException.class, () -> new ConvGeometry(1, 5, 5, 1, 3, 3, 1, 0, 1, 0, 0),
                "stride must be at least 1", "s_h=0");
    }

    @Test
    void negativePaddingIsRejected() {
        assertRejected(IllegalArgumentException.class, () -> new Conv2dParams(1, 1, -1, 0),
                "padding must be 0 or more", "p_h=-1");
        assertRejected(IllegalArgumentException.class, () -> new Conv2dParams(1, 1, 0, -3),
                "padding must be 0 or more", "p_w=-3");
        assertRejected(IllegalArgumentException.class, () -> new ConvGeometry(1, 5, 5, 1, 3, 3, 1, 1, 1, 0, -1),
                "padding must be 0 or more", "p_w=-1");
    }

    @Test
    void zeroOrNegativeSizesAreRejected() {
        assertRejected(IllegalArgumentException.class, () -> Tensor.zeros(backend, Layout.NHWC, 1, 0, 4, 3),
                "dimension 1", "[1, 0, 4, 3]", "is 0", "must be positive");
        assertRejected(IllegalArgumentException.class, () -> Tensor.zeros(backend, Layout.HWIO, 3, 3, -2, 4),
                "dimension 2", "is -2", "must be positive");
        assertRejected(IllegalArgumentException.class, () -> new ConvGeometry(0, 5, 5, 1, 3, 3, 1, 1, 1, 0, 0),
                "batch i_n must be positive, got 0");
        assertRejected(IllegalArgumentException.class, () -> new ConvGeometry(1, 5, 5, 1, 3, 3, -4, 1, 1, 0, 0),
                "output channels k_c must be positive, got -4");
    }

    @ParameterizedTest
    @EnumSource(ConvAlgorithm.class)
    void channelMismatchIsRejected(ConvAlgorithm algorithm) {
        Convolution conv = create(algorithm, Conv2dParams.of(1, 0));
        try (Tensor input = nhwc(1, 5, 5, 3);
             Tensor kernel = hwio(3, 3, 2, 4);
             Tensor output = Tensor.zeros(backend, Layout.NHWC, 1, 3, 3, 4)) {
            assertRejected(IllegalArgumentException.class, () -> conv.forward(input, kernel, null, output),
                    "channel mismatch", "i_c=3", "i_c=2", "[1, 5, 5, 3]", "[3, 3, 2, 4]");
            assertRejected(IllegalArgumentException.class, () -> conv.backward(input, kernel, output, null, null, null),
                    "channel mismatch");
        }
    }

    @ParameterizedTest
    @EnumSource(ConvAlgorithm.class)
    void wrongLayoutsAreRejected(ConvAlgorithm algorithm) {
        Convolution conv = create(algorithm, Conv2dParams.of(1, 0));
        try (Tensor input = nhwc(1, 5, 5, 3);
             Tensor kernel = hwio(3, 3, 3, 4);
             Tensor output = Tensor.zeros(backend, Layout.NHWC, 1, 3, 3, 4);
             Tensor inputAsKernel = hwio(1, 5, 5, 3);
             Tensor kernelAsActivation = nhwc(3, 3, 3, 4);
             Tensor matrix = Tensor.zeros(backend, Layout.MATRIX, 9, 4);
             Tensor biasAsMatrix = Tensor.zeros(backend, Layout.MATRIX, 1, 4)) {
            assertRejected(IllegalArgumentException.class, () -> conv.forward(inputAsKernel, kernel, null, output),
                    "input must be a NHWC tensor", "got HWIO");
            assertRejected(IllegalArgumentException.class, () -> conv.forward(input, kernelAsActivation, null, output),
                    "kernel must be a HWIO tensor", "got NHWC");
            assertRejected(IllegalArgumentException.class, () -> conv.forward(input, kernel, null, matrix),
                    "output must be a NHWC tensor", "got MATRIX");
            assertRejected(IllegalArgumentException.class, () -> conv.forward(input, kernel, biasAsMatrix, output),
                    "bias must be a VECTOR tensor", "got MATRIX");
            assertRejected(IllegalArgumentException.class, () -> conv.forward(matrix, kernel, null, output),
                    "input must be a NHWC tensor", "got MATRIX");
        }
    }

    @Test
    void wrongRankIsRejectedWhenTheTensorIsMade() {
        assertRejected(IllegalArgumentException.class, () -> Tensor.zeros(backend, Layout.NHWC, 3, 4, 5),
                "NHWC", "has rank 4", "got 3 dimensions [3, 4, 5]");
        assertRejected(IllegalArgumentException.class, () -> Tensor.zeros(backend, Layout.VECTOR, 3, 4),
                "VECTOR", "has rank 1", "got 2 dimensions");
    }

    @ParameterizedTest
    @EnumSource(ConvAlgorithm.class)
    void nullTensorsAreRejectedByName(ConvAlgorithm algorithm) {
        Convolution conv = create(algorithm, Conv2dParams.of(1, 0));
        try (Tensor input = nhwc(1, 5, 5, 3);
             Tensor kernel = hwio(3, 3, 3, 4);
             Tensor output = Tensor.zeros(backend, Layout.NHWC, 1, 3, 3, 4)) {
            assertRejected(IllegalArgumentException.class, () -> conv.forward(null, kernel, null, output),
                    "input tensor is null");
            assertRejected(IllegalArgumentException.class, () -> conv.forward(input, null, null, output),
                    "kernel tensor is null");
            assertRejected(IllegalArgumentException.class, () -> conv.forward(input, kernel, null, null),
                    "output tensor is null");
            assertRejected(IllegalArgumentException.class, () -> conv.backward(input, kernel, null, null, null, null),
                    "gradOutput tensor is null");
        }
    }

    @ParameterizedTest
    @EnumSource(ConvAlgorithm.class)
    void wrongOutputShapeAndBiasLengthAreRejectedWithoutWriting(ConvAlgorithm algorithm) {
        Convolution conv = create(algorithm, Conv2dParams.of(1, 0));
        try (Tensor input = nhwc(1, 5, 5, 3);
             Tensor kernel = hwio(3, 3, 3, 4);
             Tensor bias = vector(4);
             Tensor wrongBias = vector(5);
             Tensor output = random(backend, Layout.NHWC, 14, 1, 3, 3, 4);
             Tensor wrongChannels = Tensor.zeros(backend, Layout.NHWC, 1, 3, 3, 5);
             Tensor wrongHeight = Tensor.zeros(backend, Layout.NHWC, 1, 4, 3, 4)) {
            float[] before = output.toArray();
            assertRejected(IllegalArgumentException.class, () -> conv.forward(input, kernel, bias, wrongChannels),
                    "output must have shape [1, 3, 3, 4]", "got [1, 3, 3, 5]");
            assertRejected(IllegalArgumentException.class, () -> conv.forward(input, kernel, bias, wrongHeight),
                    "output must have shape [1, 3, 3, 4]", "got [1, 4, 3, 4]");
            assertRejected(IllegalArgumentException.class, () -> conv.forward(input, kernel, wrongBias, output),
                    "bias must have shape [4]", "got [5]");
            assertArrayEquals(before, output.toArray(), "a rejected call must not write the output");
        }
    }

    @ParameterizedTest
    @EnumSource(ConvAlgorithm.class)
    void gradientTensorsOfTheWrongShapeAreRejectedWithoutWriting(ConvAlgorithm algorithm) {
        Convolution conv = create(algorithm, new Conv2dParams(2, 1, 1, 0));
        // o_h = (5 + 2 - 3)/2 + 1 = 3, o_w = 5 - 3 + 1 = 3.
        try (Tensor input = nhwc(2, 5, 5, 3);
             Tensor kernel = hwio(3, 3, 3, 4);
             Tensor gradOutput = nhwc(2, 3, 3, 4);
             Tensor gradInput = random(backend, Layout.NHWC, 15, 2, 5, 5, 3);
             Tensor gradKernel = random(backend, Layout.HWIO, 16, 3, 3, 3, 4);
             Tensor gradBias = random(backend, Layout.VECTOR, 17, 4);
             Tensor badGradOutput = nhwc(2, 3, 3, 3);
             Tensor badGradInput = nhwc(2, 5, 6, 3);
             Tensor badGradKernel = hwio(3, 3, 4, 4);
             Tensor badGradBias = vector(3);
             Tensor gradKernelAsNhwc = nhwc(3, 3, 3, 4)) {
            float[] dIn = gradInput.toArray();
            float[] dK = gradKernel.toArray();
            float[] dB = gradBias.toArray();
            assertRejected(IllegalArgumentException.class,
                    () -> conv.backward(input, kernel, badGradOutput, gradInput, gradKernel, gradBias),
                    "gradOutput must have shape [2, 3, 3, 4]", "got [2, 3, 3, 3]");
            assertRejected(IllegalArgumentException.class,
                    () -> conv.backward(input, kernel, gradOutput, badGradInput, gradKernel, gradBias),
                    "gradInput must have shape [2, 5, 5, 3]", "got [2, 5, 6, 3]");
            assertRejected(IllegalArgumentException.class,
                    () -> conv.backward(input, kernel, gradOutput, gradInput, badGradKernel, gradBias),
                    "gradKernel must have shape [3, 3, 3, 4]", "got [3, 3, 4, 4]");
            assertRejected(IllegalArgumentException.class,
                    () -> conv.backward(input, kernel, gradOutput, gradInput, gradKernel, badGradBias),
                    "gradBias must have shape [4]", "got [3]");
            assertRejected(IllegalArgumentException.class,
                    () -> conv.backward(input, kernel, gradOutput, gradInput, gradKernelAsNhwc, gradBias),
                    "gradKernel must be a HWIO tensor", "got NHWC");
            assertArrayEquals(dIn, gradInput.toArray(), "gradInput written by a rejected call");
            assertArrayEquals(dK, gradKernel.toArray(), "gradKernel written by a rejected call");
            assertArrayEquals(dB, gradBias.toArray(), "gradBias written by a rejected call");
        }
    }

    @ParameterizedTest
    @EnumSource(ConvAlgorithm.class)
    void outputsAliasedToInputsAreRejected(ConvAlgorithm algorithm) {
        // 3x3 kernel, padding 1, i_c = k_c: output, input and their gradients all share one shape.
        Convolution conv = create(algorithm, Conv2dParams.of(1, 1));
        try (Tensor input = nhwc(1, 5, 5, 3);
             Tensor kernel = hwio(3, 3, 3, 3);
             Tensor gradOutput = nhwc(1, 5, 5, 3);
             Tensor gradKernel = Tensor.zeros(backend, Layout.HWIO, 3, 3, 3, 3)) {
            float[] in = input.toArray();
            assertRejected(IllegalArgumentException.class, () -> conv.forward(input, kernel, null, input),
                    "output must be a tensor of its own");
            assertArrayEquals(in, input.toArray(), "input written by a rejected call");
            assertRejected(IllegalArgumentException.class,
                    () -> conv.backward(input, kernel, gradOutput, gradOutput, null, null),
                    "gradInput must be a tensor of its own");
            assertRejected(IllegalArgumentException.class,
                    () -> conv.backward(input, kernel, gradOutput, input, null, null),
                    "gradInput must be a tensor of its own");
            assertRejected(IllegalArgumentException.class,
                    () -> conv.backward(input, kernel, gradOutput, null, kernel, null),
                    "gradKernel must be a tensor of its own");
            float[] dK = gradKernel.toArray();
            assertRejected(IllegalArgumentException.class,
                    () -> conv.backward(input, kernel, gradOutput, gradOutput, gradKernel, null),
                    "gradInput must be a tensor of its own");
            assertArrayEquals(dK, gradKernel.toArray(), "gradKernel written by a rejected call");
        }
    }

    @ParameterizedTest
    @EnumSource(ConvAlgorithm.class)
    void closedTensorsAreRejected(ConvAlgorithm algorithm) {
        Convolution conv = create(algorithm, Conv2dParams.of(1, 0));
        try (Tensor input = nhwc(1, 5, 5, 3);
             Tensor kernel = hwio(3, 3, 3, 4);
             Tensor bias = vector(4);
             Tensor output = Tensor.zeros(backend, Layout.NHWC, 1, 3, 3, 4);
             Tensor gradOutput = nhwc(1, 3, 3, 4);
             Tensor gradInput = Tensor.zeros(backend, Layout.NHWC, 1, 5, 5, 3)) {
            Tensor closedInput = nhwc(1, 5, 5, 3);
            closedInput.close();
            assertRejected(IllegalStateException.class, () -> conv.forward(closedInput, kernel, bias, output),
                    "closed", "NHWC", "[1, 5, 5, 3]");
            Tensor closedKernel = hwio(3, 3, 3, 4);
            closedKernel.close();
            assertRejected(IllegalStateException.class, () -> conv.forward(input, closedKernel, bias, output),
                    "closed", "HWIO");
            Tensor closedBias = vector(4);
            closedBias.close();
            assertRejected(IllegalStateException.class, () -> conv.forward(input, kernel, closedBias, output),
                    "closed", "VECTOR");
            Tensor closedOutput = Tensor.zeros(backend, Layout.NHWC, 1, 3, 3, 4);
            closedOutput.close();
            assertRejected(IllegalStateException.class, () -> conv.forward(input, kernel, bias, closedOutput), "closed");
            Tensor closedGradOutput = nhwc(1, 3, 3, 4);
            closedGradOutput.close();
            assertRejected(IllegalStateException.class,
                    () -> conv.backward(input, kernel, closedGradOutput, gradInput, null, null), "closed");
            Tensor closedGradInput = Tensor.zeros(backend, Layout.NHWC, 1, 5, 5, 3);
            closedGradInput.close();
            assertRejected(IllegalStateException.class,
                    () -> conv.backward(input, kernel, gradOutput, closedGradInput, null, null), "closed");
        }
    }
}
