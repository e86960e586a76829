/* fuzz_args.c - libFuzzer target for what arrives as text: the client's shell-like command
 * line splitter, the console's argument list decoder and the key=value reader. Every
 * argument found must lie inside its buffer and be a C string. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1), *store = malloc(size + 1);
    if (!line || !store) {
        free(line);
        free(store);
        return 0;
    }
    memcpy(line, data, size);
    line[size] = '\0';
    const char *argv[64], *why;
    int argc;
    if (eww_split_args(line, store, size + 1, argv, 64, &argc, &why) == 0)
        for (int i = 0; i < argc; i++)
            if (argv[i] < store || argv[i] + strlen(argv[i]) >= store + size + 1)
                __builtin_trap();
    if (eww_argv_decode(data, size, argv, 64, &argc) == 0)
        for (int i = 0; i < argc; i++)
            if (strlen(argv[i]) > size)
                __builtin_trap();
    size_t before = strlen(line);
    if (eww_strip_escapes(line) > before)
        __builtin_trap();
    const char *rest = eww_rest_of_line(line, "exec");
    if (rest && (rest < line || rest > line + strlen(line)))
        __builtin_trap();
    char v[32];
    eww_kv_get(data, size, "proto", v, sizeof v);
    eww_kv_get(data, size, size ? (const char *)"graph" : "", v, sizeof v);
    free(line);
    free(store);
    return 0;
}
