// Drives StarRocks' own Stream Load SDK (com.starrocks:starrocks-stream-load-sdk, the client inside the
// StarRocks Kafka and Flink connectors) against a server, so that the e2e suite can hold the stand-in to it.
// Compiled and run by test/e2e/harness/starrocks-sdk.ts; it prints one JSON line on stdout and exits 0 when the
// SDK reported success, 1 when it threw (the line then carries the SDK's message), 2 for bad arguments.

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.starrocks.data.load.stream.LabelGenerator;
import com.starrocks.data.load.stream.StreamLoadDataFormat;
import com.starrocks.data.load.stream.StreamLoadResponse;
import com.starrocks.data.load.stream.properties.StreamLoadProperties;
import com.starrocks.data.load.stream.properties.StreamLoadTableProperties;
import com.starrocks.data.load.stream.v2.StreamLoadManagerV2;
import java.util.HashMap;
import java.util.Map;

public final class StarRocksSdkDriver {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** `--key=value` arguments; `--header=name:value` may repeat and becomes a Stream Load header. */
    private static final class Options {
        final Map<String, String> values = new HashMap<>();
        final Map<String, String> headers = new HashMap<>();

        static Options parse(String[] args) {
            Options options = new Options();
            for (String arg : args) {
                int equals = arg.indexOf('=');
                if (!arg.startsWith("--") || equals < 0) throw new IllegalArgumentException("not --key=value: " + arg);
                String key = arg.substring(2, equals);
                String value = arg.substring(equals + 1);
                if (key.equals("header")) {
                    int colon = value.indexOf(':');
                    if (colon < 0) throw new IllegalArgumentException("not --header=name:value: " + arg);
                    options.headers.put(value.substring(0, colon), value.substring(colon + 1));
                } else {
                    options.values.put(key, value);
                }
            }
            return options;
        }

        String get(String key) {
            String value = values.get(key);
            if (value == null) throw new IllegalArgumentException("missing --" + key);
            return value;
        }

        String get(String key, String fallback) {
            return values.getOrDefault(key, fallback);
        }
    }

    /**
     * Row {@code id} of the generated data: {@code id,city_<id % 97>} (CSV, comma-separated) or the same as a JSON
     * object. With {@code --bad-row=<id>} that row carries a non-numeric id, which an INT key column filters.
     */
    private static String row(boolean json, long id, long badRow) {
        String key = id == badRow ? "\"not_a_number\"" : Long.toString(id);
        String city = "city_" + (id % 97);
        if (json) return "{\"id\":" + key + ",\"city\":\"" + city + "\"}";
        return (id == badRow ? "not_a_number" : key) + "," + city;
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        ObjectNode result = JSON.createObjectNode();
        ArrayNode responses = result.putArray("responses");
        int exitCode = run(options, responses, result);
        System.out.println(result);
        System.out.flush();
        // The SDK's I/O threads are daemons, but exit explicitly so that no pool keeps the JVM alive.
        System.exit(exitCode);
    }

    private static int run(Options options, ArrayNode responses, ObjectNode result) {
        String database = options.get("db");
        String table = options.get("table");
        boolean json = options.get("format").equals("json");
        long rows = Long.parseLong(options.get("rows"));
        long firstId = Long.parseLong(options.get("first-id", "1"));
        long badRow = Long.parseLong(options.get("bad-row", "-1"));

        StreamLoadTableProperties.Builder tableBuilder = StreamLoadTableProperties.builder();
        String compression = options.values.get("compression");
        if (compression != null) {
            // As the Kafka connector (1.0.4+) enables it: the header for the server, the table property for the SDK's codec.
            tableBuilder.addCommonProperties(Map.of("compression", compression));
            options.headers.put("compression", compression);
        }
        StreamLoadTableProperties tableProperties = tableBuilder
                .database(database)
                .table(table)
                .streamLoadDataFormat(json ? StreamLoadDataFormat.JSON : StreamLoadDataFormat.CSV)
                // The Kafka connector's 3 GiB unless a test asks for several bodies (several /load calls).
                .chunkLimit(Long.parseLong(options.get("chunk-limit", Long.toString(3L << 30))))
                .build();
        StreamLoadProperties.Builder builder = StreamLoadProperties.builder()
                .loadUrls(options.get("url"))
                .username(options.get("user"))
                .password(System.getenv().getOrDefault("STARROCKS_PASSWORD", ""))
                .labelPrefix(options.get("label-prefix", ""))
                .defaultTableProperties(tableProperties)
                // As the Kafka connector sets them (StarRocksSinkTask): 64 MiB cache, 3 s for 100-continue, 2 I/O threads.
                .cacheMaxBytes(64L << 20)
                .waitForContinueTimeoutMs(3000)
                .ioThreadCount(2)
                .scanningFrequency(50)
                .connectTimeout(2000);
        if (json) {
            builder.addHeader("format", "json").addHeader("strip_outer_array", "true");
        } else {
            builder.addHeader("format", "csv").addHeader("column_separator", ",");
        }
        options.headers.forEach(builder::addHeader);
        String mode = options.get("mode");
        if (mode.equals("transaction")) builder.enableTransaction();
        else if (!mode.equals("stream")) throw new IllegalArgumentException("--mode must be stream or transaction");

        StreamLoadManagerV2 manager = new StreamLoadManagerV2(builder.build(), true);
        String fixedLabel = options.values.get("label");
        if (fixedLabel != null) {
            // A fixed label, as a client that derives labels from its input would send on a retry.
            LabelGenerator same = () -> fixedLabel;
            manager.setLabelGeneratorFactory((db, tbl) -> same);
        }
        manager.setStreamLoadListener(response -> responses.add(describe(response)));
        manager.init();
        try {
            for (long id = firstId; id < firstId + rows; id++) {
                manager.write(null, database, table, row(json, id, badRow));
            }
            manager.flush();
            result.put("ok", true);
            return 0;
        } catch (RuntimeException e) {
            Throwable sdkError = manager.getException() != null ? manager.getException() : e;
            result.put("ok", false);
            result.put("error", String.valueOf(sdkError.getMessage()));
            return 1;
        } finally {
            manager.close();
        }
    }

    private static ObjectNode describe(StreamLoadResponse response) {
        ObjectNode node = JSON.createObjectNode();
        StreamLoadResponse.StreamLoadResponseBody body = response.getBody();
        if (body != null) {
            node.put("status", body.getStatus());
            node.put("message", body.getMessage());
            node.put("existingJobStatus", body.getExistingJobStatus());
            node.put("numberTotalRows", body.getNumberTotalRows());
            node.put("numberLoadedRows", body.getNumberLoadedRows());
            node.put("numberFilteredRows", body.getNumberFilteredRows());
        }
        node.put("flushRows", response.getFlushRows());
        return node;
    }
}
