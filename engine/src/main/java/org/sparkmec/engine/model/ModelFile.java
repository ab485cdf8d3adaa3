package org.sparkmec.engine.model;

import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.nn.WeightInit;
import static org.sparkmec.engine.model.ModelKeys.ALGORITHM;
import static org.sparkmec.engine.model.ModelKeys.BIAS;
import static org.sparkmec.engine.model.ModelKeys.CHANNELS;
import static org.sparkmec.engine.model.ModelKeys.FILTERS;
import static org.sparkmec.engine.model.ModelKeys.HEIGHT;
import static org.sparkmec.engine.model.ModelKeys.EPSILON;
import static org.sparkmec.engine.model.ModelKeys.INIT;
import static org.sparkmec.engine.model.ModelKeys.INPUTS;
import static org.sparkmec.engine.model.ModelKeys.INPUT;
import static org.sparkmec.engine.model.ModelKeys.KERNEL;
import static org.sparkmec.engine.model.ModelKeys.LAYERS;
import static org.sparkmec.engine.model.ModelKeys.LOSS;
import static org.sparkmec.engine.model.ModelKeys.NAME;
import static org.sparkmec.engine.model.ModelKeys.MOMENTUM;
import static org.sparkmec.engine.model.ModelKeys.PADDING;
import static org.sparkmec.engine.model.ModelKeys.RATE;
import static org.sparkmec.engine.model.ModelKeys.STRIDE;
import static org.sparkmec.engine.model.ModelKeys.TYPE;
import static org.sparkmec.engine.model.ModelKeys.UNITS;
import static org.sparkmec.engine.model.ModelKeys.WIDTH;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads model files: HOCON (Typesafe Config; comments, unquoted strings, includes and substitutions) with the
 * keys {@code name}, {@code input}, {@code loss} and {@code layers}, described in {@code conf/models/README.md}.
 *
 * <p>Reading is strict: unknown keys (with the allowed ones listed), values of the wrong type (a quoted
 * {@code "6"} is not an integer), out-of-range values, duplicate layer names and shape errors all fail with a
 * {@link ModelFileException} naming the file, the line, the layer and the field. Substitutions resolve within
 * the file only, never from environment variables. One limitation comes from HOCON itself: a key given twice in
 * one object is merged (the last value wins) before this reader sees it.
 */
public final class ModelFile {
    private static final List<String> MODEL_KEYS = List.of(NAME, INPUT, LOSS, LAYERS);
    private static final List<String> INPUT_KEYS = List.of(HEIGHT, WIDTH, CHANNELS);
    /** Keys people may look for in a model file that belong elsewhere. */
    private static final Map<String, String> MISPLACED = Map.of(
            "seed", "the seed is not part of the model; set it in the training configuration",
            "classes", "classes is not set directly: it is the units of the last dense layer");

    private ModelFile() {
    }

    /**
     * Reads and validates the model file at {@code path}.
     *
     * @throws ModelFileException naming the path if it is missing or unreadable, else the file, line, layer and
     *                            field of the first problem found
     */
    public static ModelSpec read(Path path) {
        String source = path.toString();
        if (!Files.isRegularFile(path)) {
            throw new ModelFileException(source, -1, "model file not found (no regular file at "
                    + path.toAbsolutePath() + ")", null);
        }
        Config config;
        try {
            config = ConfigFactory.parseFile(path.toFile(),
                    ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false));
        } catch (ConfigException e) {
            throw hoconError(source, e);
        }
        return new Reader(source).model(config);
    }

    /**
     * Parses model-file text; {@code source} names it in error messages (e.g. a file name).
     *
     * @throws ModelFileException naming {@code source}, the line, layer and field of the first problem found
     */
    public static ModelSpec parse(String text, String source) {
        Config config;
        try {
            config = ConfigFactory.parseString(text,
                    ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setOriginDescription(source));
        } catch (ConfigException e) {
            throw hoconError(source, e);
        }
        return new Reader(source).model(config);
    }

    /** Typesafe's message with its origin prefix replaced by ours. */
    private static ModelFileException hoconError(String source, ConfigException e) {
        ConfigOrigin origin = e.origin();
        String message = e.getMessage();
        if (origin != null && message.startsWith(origin.description() + ": ")) {
            message = message.substring(origin.description().length() + 2);
        }
        String where = origin != null && origin.filename() != null ? origin.filename() : source;
        int line = origin != null ? origin.lineNumber() : -1;
        String kind = e instanceof ConfigException.UnresolvedSubstitution ? "HOCON substitution error: "
                : e instanceof ConfigException.Parse ? "HOCON syntax error: " : "HOCON error: ";
        return new ModelFileException(where, line, kind + message, e);
    }

    /** Reads one parsed file; every failure becomes a {@link ModelFileException} at the value's line. */
    private static final class Reader {
        private final String source;

        Reader(String source) {
            this.source = source;
        }

        ModelSpec model(Config config) {
            ConfigObject root;
            try {
                root = config.resolve(ConfigResolveOptions.noSystem()).root();
            } catch (ConfigException e) {
                throw hoconError(source, e);
            }
            checkKeys(root, MODEL_KEYS, "model", MISPLACED);
            String name = string(required(root, NAME, "model", "the model's name"), "model", NAME);
            ConfigValue inputValue = required(root, INPUT, "model", "{ height = ..., width = ..., channels = ... }");
            InputSpec input = input(object(inputValue, "model", INPUT));
            Loss loss = root.containsKey(LOSS) ? enumValue(root.get(LOSS), "model", Loss::parse) : Loss.DEFAULT;
            ConfigValue layersValue = required(root, LAYERS, "model", "a list of layers [ { type = ... }, ... ]");
            if (layersValue.valueType() != ConfigValueType.LIST) {
                throw fail(layersValue, "model: " + LAYERS + " must be a list [ { type = ... }, ... ], got "
                        + describe(layersValue));
            }
            List<ConfigObject> layerObjects = new ArrayList<>();
            List<LayerSpec> layers = new ArrayList<>();
            List<List<String>> inputs = new ArrayList<>();
            for (ConfigValue value : (ConfigList) layersValue) {
                int index = layers.size();
                if (value.valueType() != ConfigValueType.OBJECT) {
                    throw fail(value, "layer #" + (index + 1) + ": expected an object such as { type = relu }, got "
                            + describe(value));
                }
                ConfigObject obj = (ConfigObject) value;
                layerObjects.add(obj);
                layers.add(layer(index, obj));
                inputs.add(obj.containsKey(INPUTS) ? names(obj.get(INPUTS), "layer " + layers.get(index).name(), INPUTS)
                        : List.of());
            }
            try {
                return new ModelSpec(name, input, layers, loss, inputs);
            } catch (SpecViolation v) {
                ConfigValue at = v.layerIndex() >= 0 ? fieldOr(layerObjects.get(v.layerIndex()), v.field())
                        : v.field() != null && root.containsKey(v.field()) ? root.get(v.field()) : root;
                throw fail(at, v.getMessage(), v);
            }
        }

        private InputSpec input(ConfigObject obj) {
            checkKeys(obj, INPUT_KEYS, "input", Map.of());
            int h = integer(required(obj, HEIGHT, "input", "rows"), "input", HEIGHT);
            int w = integer(required(obj, WIDTH, "input", "columns"), "input", WIDTH);
            int c = integer(required(obj, CHANNELS, "input", "1 for grey, 3 for RGB"), "input", CHANNELS);
            try {
                return new InputSpec(h, w, c);
            } catch (SpecViolation v) {
                throw fail(fieldOr(obj, v.field()), v.getMessage(), v);
            }
        }

        private LayerSpec layer(int index, ConfigObject obj) {
            String label = "layer #" + (index + 1);
            String explicitName = obj.containsKey(NAME) ? string(obj.get(NAME), label, NAME) : null;
            if (explicitName != null) {
                label = "layer " + explicitName;
            }
            ConfigValue typeValue = required(obj, TYPE, label, "one of " + LayerType.allConfigNames());
            String typeName = string(typeValue, label, TYPE);
            LayerType type = LayerType.fromConfigName(typeName).orElse(null);
            if (type == null) {
                List<String> known = java.util.Arrays.stream(LayerType.values()).map(LayerType::configName).toList();
                throw fail(typeValue, label + ": unknown layer type '" + typeName + "'" + Suggestions.closest(typeName, known)
                        + "; known types: " + LayerType.allConfigNames());
            }
            String name = explicitName != null ? explicitName : type.generatedName(index + 1);
            label = "layer " + name;
            checkKeys(obj, type.fields(), label + " (" + type.configName() + ")", Map.of());
            try {
                return switch (type) {
                    case CONV2D -> conv2d(obj, name, label);
                    case RELU -> new ReluSpec(name);
                    case MAXPOOL2D, AVGPOOL2D -> pool2d(type, obj, name, label);
                    case FLATTEN -> new FlattenSpec(name);
                    case DENSE -> dense(obj, name, label);
                    case DROPOUT -> new DropoutSpec(name, number(required(obj, RATE, label,
                            "probability of zeroing a value, in [0, 1)"), label, RATE));
                    case BATCHNORM -> new BatchNormSpec(name,
                            obj.containsKey(MOMENTUM) ? number(obj.get(MOMENTUM), label, MOMENTUM)
                                    : BatchNormSpec.DEFAULT_MOMENTUM,
                            obj.containsKey(EPSILON) ? number(obj.get(EPSILON), label, EPSILON)
                                    : BatchNormSpec.DEFAULT_EPSILON);
                    case ADD -> new AddSpec(name);
                    case CONCAT -> new ConcatSpec(name);
                    case GLOBALAVGPOOL -> new GlobalAvgPoolSpec(name);
                };
            } catch (SpecViolation v) {
                throw fail(fieldOr(obj, v.field()), v.getMessage(), v);
            }
        }

        private Conv2dSpec conv2d(ConfigObject obj, String name, String label) {
            int filters = integer(required(obj, FILTERS, label, "output channels, an integer >= 1"), label, FILTERS);
            int[] kernel = pair(required(obj, KERNEL, label, "an integer or [height, width]"), label, KERNEL);
            int[] stride = optionalPair(obj, STRIDE, label, Conv2dSpec.DEFAULT_STRIDE, Conv2dSpec.DEFAULT_STRIDE);
            boolean same = isSame(obj);
            int[] padding = same ? new int[2]
                    : optionalPair(obj, PADDING, label, Conv2dSpec.DEFAULT_PADDING, Conv2dSpec.DEFAULT_PADDING);
            ConvAlgorithmChoice algorithm = obj.containsKey(ALGORITHM)
                    ? enumValue(obj.get(ALGORITHM), label, ConvAlgorithmChoice::parse) : Conv2dSpec.DEFAULT_ALGORITHM;
            boolean bias = obj.containsKey(BIAS) ? bool(obj.get(BIAS), label, BIAS) : Conv2dSpec.DEFAULT_BIAS;
            WeightInit init = obj.containsKey(INIT) ? enumValue(obj.get(INIT), label, WeightInit::parse)
                    : Conv2dSpec.DEFAULT_INIT;
            return new Conv2dSpec(name, filters, kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1],
                    algorithm, bias, init, same);
        }

        private Pool2dSpec pool2d(LayerType type, ConfigObject obj, String name, String label) {
            int[] kernel = pair(required(obj, KERNEL, label, "an integer or [height, width]"), label, KERNEL);
            int[] stride = optionalPair(obj, STRIDE, label, kernel[0], kernel[1]);
            boolean same = isSame(obj);
            int[] padding = same ? new int[2]
                    : optionalPair(obj, PADDING, label, Pool2dSpec.DEFAULT_PADDING, Pool2dSpec.DEFAULT_PADDING);
            return type == LayerType.MAXPOOL2D
                    ? new MaxPool2dSpec(name, kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], same)
                    : new AvgPool2dSpec(name, kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], same);
        }

        private DenseSpec dense(ConfigObject obj, String name, String label) {
            int units = integer(required(obj, UNITS, label, "output features, an integer >= 1"), label, UNITS);
            boolean bias = obj.containsKey(BIAS) ? bool(obj.get(BIAS), label, BIAS) : DenseSpec.DEFAULT_BIAS;
            WeightInit init = obj.containsKey(INIT) ? enumValue(obj.get(INIT), label, WeightInit::parse)
                    : DenseSpec.DEFAULT_INIT;
            return new DenseSpec(name, units, bias, init);
        }

        /** Fails on the first key (in file order) that {@code allowed} lacks. */
        private void checkKeys(ConfigObject obj, List<String> allowed, String label, Map<String, String> misplaced) {
            obj.entrySet().stream()
                    .filter(e -> !allowed.contains(e.getKey()))
                    .min(Comparator.comparingInt((Map.Entry<String, ConfigValue> e) -> e.getValue().origin().lineNumber())
                            .thenComparing(Map.Entry::getKey))
                    .ifPresent(e -> {
                        String key = e.getKey();
                        String detail = misplaced.containsKey(key) ? misplaced.get(key)
                                : "unknown field '" + key + "'" + Suggestions.closest(key, allowed) + "; allowed fields: "
                                + String.join(", ", allowed);
                        throw fail(e.getValue(), label + ": " + detail);
                    });
        }

        private ConfigValue required(ConfigObject obj, String key, String label, String expected) {
            ConfigValue value = obj.get(key);
            if (value == null) {
                throw fail(obj, label + ": missing required field '" + key + "' (" + expected + ")");
            }
            return value;
        }

        private ConfigObject object(ConfigValue value, String label, String key) {
            if (value.valueType() != ConfigValueType.OBJECT) {
                throw fail(value, label + ": " + key + " must be an object { ... }, got " + describe(value));
            }
            return (ConfigObject) value;
        }

        private int integer(ConfigValue value, String label, String key) {
            if (value.valueType() == ConfigValueType.NUMBER) {
                Object n = value.unwrapped();
                if (n instanceof Integer i) {
                    return i;
                }
                if (n instanceof Long) {
                    throw fail(value, label + ": " + key + " = " + n + " is out of the integer range");
                }
            }
            throw fail(value, label + ": " + key + " must be an integer, got " + describe(value));
        }

        /** An integer {@code n} (meaning n x n) or a list {@code [height, width]}. */
        private int[] pair(ConfigValue value, String label, String key) {
            if (value.valueType() == ConfigValueType.NUMBER) {
                int n = integer(value, label, key);
                return new int[] {n, n};
            }
            if (value.valueType() == ConfigValueType.LIST && ((ConfigList) value).size() == 2) {
                ConfigList list = (ConfigList) value;
                return new int[] {integer(list.get(0), label, key + "[0] (height)"),
                        integer(list.get(1), label, key + "[1] (width)")};
            }
            throw fail(value, label + ": " + key + " must be an integer or a list [height, width] of two integers"
                    + (key.equals(PADDING) ? " (or " + ModelKeys.SAME + ")" : "") + ", got " + describe(value));
        }

        private int[] optionalPair(ConfigObject obj, String key, String label, int defaultH, int defaultW) {
            return obj.containsKey(key) ? pair(obj.get(key), label, key) : new int[] {defaultH, defaultW};
        }

        /** Whether {@code padding = same} (any other string is left to the numeric reader to reject). */
        private boolean isSame(ConfigObject obj) {
            ConfigValue v = obj.get(PADDING);
            return v != null && v.valueType() == ConfigValueType.STRING && ModelKeys.SAME.equals(v.unwrapped());
        }

        /** One layer name or a list of them. */
        private List<String> names(ConfigValue value, String label, String key) {
            if (value.valueType() == ConfigValueType.STRING) {
                return List.of((String) value.unwrapped());
            }
            if (value.valueType() == ConfigValueType.LIST && !((ConfigList) value).isEmpty()) {
                List<String> names = new ArrayList<>();
                for (ConfigValue v : (ConfigList) value) {
                    names.add(string(v, label, key));
                }
                return names;
            }
            throw fail(value, label + ": " + key + " must be a layer name or a non-empty list of them, got "
                    + describe(value));
        }

        private double number(ConfigValue value, String label, String key) {
            if (value.valueType() != ConfigValueType.NUMBER) {
                throw fail(value, label + ": " + key + " must be a number, got " + describe(value));
            }
            return ((Number) value.unwrapped()).doubleValue();
        }

        private boolean bool(ConfigValue value, String label, String key) {
            if (value.valueType() != ConfigValueType.BOOLEAN) {
                throw fail(value, label + ": " + key + " must be true or false, got " + describe(value));
            }
            return (Boolean) value.unwrapped();
        }

        private String string(ConfigValue value, String label, String key) {
            if (value.valueType() != ConfigValueType.STRING) {
                throw fail(value, label + ": " + key + " must be a string, got " + describe(value));
            }
            return (String) value.unwrapped();
        }

        private <E> E enumValue(ConfigValue value, String label, Function<String, E> parser) {
            String text = value.valueType() == ConfigValueType.STRING ? (String) value.unwrapped() : null;
            try {
                return parser.apply(text != null ? text : String.valueOf(value.unwrapped()));
            } catch (IllegalArgumentException e) {
                throw fail(value, label + ": " + e.getMessage(), e);
            }
        }

        private ConfigValue fieldOr(ConfigObject obj, String field) {
            return field != null && obj.containsKey(field) ? obj.get(field) : obj;
        }

        private ModelFileException fail(ConfigValue at, String detail) {
            return fail(at, detail, null);
        }

        private ModelFileException fail(ConfigValue at, String detail, Throwable cause) {
            ConfigOrigin origin = at.origin();
            String where = origin.filename() != null ? origin.filename() : source;
            return new ModelFileException(where, origin.lineNumber(), detail, cause);
        }
    }

    /** {@code string "six"}, {@code number 6.5}, {@code list [5,5,5]}: what a wrong value was. */
    private static String describe(ConfigValue value) {
        String rendered = value.render(ConfigRenderOptions.concise());
        if (rendered.length() > 60) {
            rendered = rendered.substring(0, 57) + "...";
        }
        switch (value.valueType()) {
            case NULL:
                return "null";
            case STRING:
                return "string " + rendered;
            default:
                return value.valueType().name().toLowerCase(java.util.Locale.ROOT) + " " + rendered;
        }
    }
}
