package org.sparkmec.engine.model;

import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.nn.WeightInit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Fluent construction of a {@link ModelSpec}, the Java twin of a model file:
 * <pre>{@code
 * ModelSpec lenet = ModelSpec.builder("lenet").input(28, 28, 1)
 *         .conv2d("conv1", 6, 5, c -> c.padding(2)).relu().maxPool2d(2)
 *         .conv2d("conv2", 16, 5).relu().maxPool2d(2)
 *         .flatten().dense("fc1", 120).relu().dense("fc2", 84).relu().dense("fc3", 10)
 *         .build();
 * }</pre>
 * Each layer method takes an optional name first; a {@code null} or missing name is generated as in model files
 * ({@link LayerType#generatedName}: {@code relu2} for a relu at position 2). Square kernel, stride and padding are
 * given as one int; the option consumers set rectangular ones and the other optional fields. A layer's own fields
 * are checked when it is added; names, inputs, shapes and the final layer in {@link #build()}. A layer reads the
 * previous one unless {@link #inputs(String...)} names others; a residual block, for example:
 * <pre>{@code
 * builder.conv2d("c1", 16, 3, c -> c.paddingSame()).batchNorm("b1").relu("r1")
 *        .conv2d("c2", 16, 3, c -> c.paddingSame()).batchNorm("b2")
 *        .add("sum", "b2", "r0").relu("out");        // r0: the block's input
 * }</pre>
 * and branches joined by their channels:
 * <pre>{@code
 * builder.conv2d("b1", 8, 1).inputs("x").conv2d("b3", 8, 3, c -> c.paddingSame()).inputs("x")
 *        .concat("mixed", "b1", "b3");                 // x: the layer the branches read
 * }</pre>
 * Errors are
 * {@link IllegalArgumentException}s that name the layer. Not thread-safe; one builder per model.
 */
public final class ModelSpecBuilder {
    private final String name;
    private InputSpec input;
    private Loss loss = Loss.DEFAULT;
    private final List<LayerSpec> layers = new ArrayList<>();
    private final List<List<String>> inputs = new ArrayList<>();

    ModelSpecBuilder(String name) {
        this.name = name;
    }

    /** Input shape of one sample, NHWC. */
    public ModelSpecBuilder input(int height, int width, int channels) {
        this.input = new InputSpec(height, width, channels);
        return this;
    }

    /** The loss; {@link Loss#DEFAULT} unless set. */
    public ModelSpecBuilder loss(Loss loss) {
        this.loss = Objects.requireNonNull(loss, "loss");
        return this;
    }

    /** Appends a layer made elsewhere (its name must be set). */
    public ModelSpecBuilder layer(LayerSpec layer) {
        layers.add(Objects.requireNonNull(layer, "layer"));
        inputs.add(List.of());
        return this;
    }

    /**
     * Makes the last layer added read the named layers ({@code input}: the model's input) instead of the previous
     * one.
     *
     * @throws IllegalStateException if no layer was added yet
     */
    public ModelSpecBuilder inputs(String... layerNames) {
        if (layers.isEmpty()) {
            throw new IllegalStateException("model " + name + ": inputs(...) names the inputs of the last layer added;"
                    + " add a layer first");
        }
        inputs.set(inputs.size() - 1, List.of(layerNames));
        return this;
    }

    public ModelSpecBuilder batchNorm() {
        return batchNorm(null);
    }

    /** Appends batch normalisation with the default momentum and epsilon. */
    public ModelSpecBuilder batchNorm(String layerName) {
        return layer(BatchNormSpec.of(nameFor(layerName, LayerType.BATCHNORM)));
    }

    /** Appends batch normalisation. */
    public ModelSpecBuilder batchNorm(String layerName, double momentum, double epsilon) {
        return layer(new BatchNormSpec(nameFor(layerName, LayerType.BATCHNORM), momentum, epsilon));
    }

    /** Appends the element-wise sum of the named layers (two or more). */
    public ModelSpecBuilder add(String layerName, String... inputLayers) {
        return layer(new AddSpec(nameFor(layerName, LayerType.ADD))).inputs(inputLayers);
    }

    /**
     * Appends the channel concatenation of the named layers (two or more of one height and width, or all flat), in
     * the order named.
     */
    public ModelSpecBuilder concat(String layerName, String... inputLayers) {
        return layer(new ConcatSpec(nameFor(layerName, LayerType.CONCAT))).inputs(inputLayers);
    }

    public ModelSpecBuilder globalAvgPool() {
        return globalAvgPool(null);
    }

    /** Appends global average pooling (NHWC to one feature per channel). */
    public ModelSpecBuilder globalAvgPool(String layerName) {
        return layer(new GlobalAvgPoolSpec(nameFor(layerName, LayerType.GLOBALAVGPOOL)));
    }

    public ModelSpecBuilder conv2d(int filters, int kernel) {
        return conv2d(null, filters, kernel, c -> { });
    }

    public ModelSpecBuilder conv2d(int filters, int kernel, Consumer<Conv2dOptions> options) {
        return conv2d(null, filters, kernel, options);
    }

    public ModelSpecBuilder conv2d(String layerName, int filters, int kernel) {
        return conv2d(layerName, filters, kernel, c -> { });
    }

    /**
     * Appends a convolution of {@code filters} output channels and a {@code kernel x kernel} window (override with
     * {@link Conv2dOptions#kernel(int, int)}); stride 1, padding 0, algorithm auto, bias, he init unless set.
     */
    public ModelSpecBuilder conv2d(String layerName, int filters, int kernel, Consumer<Conv2dOptions> options) {
        Conv2dOptions o = new Conv2dOptions(kernel);
        options.accept(o);
        return layer(new Conv2dSpec(nameFor(layerName, LayerType.CONV2D), filters, o.kernelH, o.kernelW, o.strideH,
                o.strideW, o.padH, o.padW, o.algorithm, o.bias, o.init, o.same));
    }

    public ModelSpecBuilder relu() {
        return relu(null);
    }

    public ModelSpecBuilder relu(String layerName) {
        return layer(new ReluSpec(nameFor(layerName, LayerType.RELU)));
    }

    public ModelSpecBuilder maxPool2d(int kernel) {
        return maxPool2d(null, kernel, p -> { });
    }

    public ModelSpecBuilder maxPool2d(int kernel, Consumer<Pool2dOptions> options) {
        return maxPool2d(null, kernel, options);
    }

    public ModelSpecBuilder maxPool2d(String layerName, int kernel) {
        return maxPool2d(layerName, kernel, p -> { });
    }

    /** Appends max pooling over {@code kernel x kernel} windows; stride = kernel and padding 0 unless set. */
    public ModelSpecBuilder maxPool2d(String layerName, int kernel, Consumer<Pool2dOptions> options) {
        Pool2dOptions o = Pool2dOptions.resolve(kernel, options);
        return layer(new MaxPool2dSpec(nameFor(layerName, LayerType.MAXPOOL2D), o.kernelH, o.kernelW, o.strideH(),
                o.strideW(), o.padH, o.padW, o.same));
    }

    public ModelSpecBuilder avgPool2d(int kernel) {
        return avgPool2d(null, kernel, p -> { });
    }

    public ModelSpecBuilder avgPool2d(int kernel, Consumer<Pool2dOptions> options) {
        return avgPool2d(null, kernel, options);
    }

    public ModelSpecBuilder avgPool2d(String layerName, int kernel) {
        return avgPool2d(layerName, kernel, p -> { });
    }

    /** Appends average pooling over {@code kernel x kernel} windows; stride = kernel and padding 0 unless set. */
    public ModelSpecBuilder avgPool2d(String layerName, int kernel, Consumer<Pool2dOptions> options) {
        Pool2dOptions o = Pool2dOptions.resolve(kernel, options);
        return layer(new AvgPool2dSpec(nameFor(layerName, LayerType.AVGPOOL2D), o.kernelH, o.kernelW, o.strideH(),
                o.strideW(), o.padH, o.padW, o.same));
    }

    public ModelSpecBuilder flatten() {
        return flatten(null);
    }

    public ModelSpecBuilder flatten(String layerName) {
        return layer(new FlattenSpec(nameFor(layerName, LayerType.FLATTEN)));
    }

    public ModelSpecBuilder dense(int units) {
        return dense(null, units, d -> { });
    }

    public ModelSpecBuilder dense(String layerName, int units) {
        return dense(layerName, units, d -> { });
    }

    public ModelSpecBuilder dense(int units, Consumer<DenseOptions> options) {
        return dense(null, units, options);
    }

    /** Appends a fully connected layer of {@code units} outputs; bias and he init unless set. */
    public ModelSpecBuilder dense(String layerName, int units, Consumer<DenseOptions> options) {
        DenseOptions o = new DenseOptions();
        options.accept(o);
        return layer(new DenseSpec(nameFor(layerName, LayerType.DENSE), units, o.bias, o.init));
    }

    public ModelSpecBuilder dropout(double rate) {
        return dropout(null, rate);
    }

    public ModelSpecBuilder dropout(String layerName, double rate) {
        return layer(new DropoutSpec(nameFor(layerName, LayerType.DROPOUT), rate));
    }

    /**
     * The validated model.
     *
     * @throws IllegalArgumentException if the input is not set, a name repeats, a layer cannot take its input
     *                                  shape, or the last layer is not a dense layer of at least 2 units
     */
    public ModelSpec build() {
        if (input == null) {
            throw new IllegalArgumentException("model " + name + ": input shape not set; call input(height, width,"
                    + " channels)");
        }
        return new ModelSpec(name, input, layers, loss, inputs);
    }

    private String nameFor(String given, LayerType type) {
        return given != null ? given : type.generatedName(layers.size() + 1);
    }

    /** Optional fields of a convolution; unset ones keep the {@link Conv2dSpec} defaults. */
    public static final class Conv2dOptions {
        private int kernelH;
        private int kernelW;
        private int strideH = Conv2dSpec.DEFAULT_STRIDE;
        private int strideW = Conv2dSpec.DEFAULT_STRIDE;
        private int padH = Conv2dSpec.DEFAULT_PADDING;
        private int padW = Conv2dSpec.DEFAULT_PADDING;
        private ConvAlgorithmChoice algorithm = Conv2dSpec.DEFAULT_ALGORITHM;
        private boolean bias = Conv2dSpec.DEFAULT_BIAS;
        private WeightInit init = Conv2dSpec.DEFAULT_INIT;
        private boolean same;

        private Conv2dOptions(int kernel) {
            this.kernelH = kernel;
            this.kernelW = kernel;
        }

        /** A {@code height x width} kernel instead of the square one. */
        public Conv2dOptions kernel(int height, int width) {
            kernelH = height;
            kernelW = width;
            return this;
        }

        public Conv2dOptions stride(int stride) {
            return stride(stride, stride);
        }

        public Conv2dOptions stride(int height, int width) {
            strideH = height;
            strideW = width;
            return this;
        }

        public Conv2dOptions padding(int padding) {
            return padding(padding, padding);
        }

        public Conv2dOptions padding(int height, int width) {
            padH = height;
            padW = width;
            same = false;
            return this;
        }

        /** Same padding ({@code padding = same}): {@code o = ceil(i / s)}, see {@link Conv2dSpec}. */
        public Conv2dOptions paddingSame() {
            padH = 0;
            padW = 0;
            same = true;
            return this;
        }

        public Conv2dOptions algorithm(ConvAlgorithmChoice choice) {
            algorithm = choice;
            return this;
        }

        public Conv2dOptions bias(boolean withBias) {
            bias = withBias;
            return this;
        }

        public Conv2dOptions init(WeightInit weightInit) {
            init = weightInit;
            return this;
        }
    }

    /** Optional fields of a pooling layer: stride defaults to the kernel, padding to 0. */
    public static final class Pool2dOptions {
        private int kernelH;
        private int kernelW;
        private Integer strideH;
        private Integer strideW;
        private int padH = Pool2dSpec.DEFAULT_PADDING;
        private int padW = Pool2dSpec.DEFAULT_PADDING;
        private boolean same;

        private Pool2dOptions(int kernel) {
            this.kernelH = kernel;
            this.kernelW = kernel;
        }

        private static Pool2dOptions resolve(int kernel, Consumer<Pool2dOptions> options) {
            Pool2dOptions o = new Pool2dOptions(kernel);
            options.accept(o);
            return o;
        }

        /** A {@code height x width} window instead of the square one. */
        public Pool2dOptions kernel(int height, int width) {
            kernelH = height;
            kernelW = width;
            return this;
        }

        public Pool2dOptions stride(int stride) {
            return stride(stride, stride);
        }

        public Pool2dOptions stride(int height, int width) {
            strideH = height;
            strideW = width;
            return this;
        }

        public Pool2dOptions padding(int padding) {
            return padding(padding, padding);
        }

        public Pool2dOptions padding(int height, int width) {
            padH = height;
            padW = width;
            same = false;
            return this;
        }

        /** Same padding ({@code padding = same}): {@code o = ceil(i / s)}, see {@link Pool2dSpec}. */
        public Pool2dOptions paddingSame() {
            padH = 0;
            padW = 0;
            same = true;
            return this;
        }

        private int strideH() {
            return strideH != null ? strideH : kernelH;
        }

        private int strideW() {
            return strideW != null ? strideW : kernelW;
        }
    }

    /** Optional fields of a dense layer. */
    public static final class DenseOptions {
        private boolean bias = DenseSpec.DEFAULT_BIAS;
        private WeightInit init = DenseSpec.DEFAULT_INIT;

        private DenseOptions() {
        }

        public DenseOptions bias(boolean withBias) {
            bias = withBias;
            return this;
        }

        public DenseOptions init(WeightInit weightInit) {
            init = weightInit;
            return this;
        }
    }
}
