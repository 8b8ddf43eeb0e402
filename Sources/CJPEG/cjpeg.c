#include "cjpeg.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

// MARK: - Decoder state

struct cjpeg_decoder {
    struct jpeg_decompress_struct info;
    struct jpeg_error_mgr errors;
    struct jpeg_source_mgr source;  // the whole file, borrowed, handed to libjpeg at once
    jmp_buf unwind;                 // set by each entry point before it calls libjpeg
    size_t count;                   // the file's size, for truncation messages
    uint8_t *cmyk_row;              // one row of CMYK samples (CMYK and YCCK files only)
    int created;                    // 1 once jpeg_create_decompress has succeeded
    int started;                    // 1 once cjpeg_decoder_read_rgb has been called
    int unusable;                   // 1 after any failure: libjpeg's state is undefined after it
    shim_failure failure;           // the first failure, until it is copied to the caller's status
};

/// The failure reported when libjpeg stopped without a message.
static const char no_detail[] = "cannot decode the JPEG data (no detail from libjpeg)";

// MARK: - libjpeg callbacks

/// libjpeg's fatal-error hook: keep its message, then unwind to the calling entry point.
static void on_jpeg_error(j_common_ptr common) {
    cjpeg_decoder *decoder = (cjpeg_decoder *)common->client_data;
    char text[JMSG_LENGTH_MAX];
    common->err->format_message(common, text);
    shim_failure_record(&decoder->failure, "cannot decode the JPEG data: %s", text);
    longjmp(decoder->unwind, 1);
}

/// Warnings (extraneous bytes, a damaged entropy segment) and traces: PIL decodes on, silently.
static void on_jpeg_message(j_common_ptr common, int level) {
    (void)common;
    (void)level;
}

static void on_jpeg_output(j_common_ptr common) { (void)common; }

/// Called only when libjpeg wants bytes past the end of the file: the file is truncated.
static boolean on_source_empty(j_decompress_ptr info) {
    cjpeg_decoder *decoder = (cjpeg_decoder *)info->client_data;
    shim_failure_record(&decoder->failure,
                        "truncated JPEG data: the file ends at byte %zu before the image is complete",
                        decoder->count);
    longjmp(decoder->unwind, 1);
}

static void on_source_skip(j_decompress_ptr info, long count) {
    struct jpeg_source_mgr *source = info->src;
    if (count <= 0) return;
    if ((size_t)count > source->bytes_in_buffer) on_source_empty(info);  // a segment runs past the end
    source->next_input_byte += count;
    source->bytes_in_buffer -= (size_t)count;
}

static void on_source_start_or_end(j_decompress_ptr info) { (void)info; }

// MARK: - Pixels

/// PIL reads CMYK JPEGs as Adobe-inverted (c = 255 - stored) and converts CMYK to RGB as
/// r = round((255 - c)(255 - k) / 255), so in stored samples r = round(c_s * k_s / 255).
/// (a + 127) / 255 rounds a / 255 correctly: a / 255 is never exactly halfway.
static void cmyk_row_to_rgb(const uint8_t *cmyk, uint8_t *rgb, size_t width) {
    for (size_t x = 0; x < width; x++, cmyk += 4, rgb += 3) {
        unsigned k = cmyk[3];
        rgb[0] = (uint8_t)((cmyk[0] * k + 127) / 255);
        rgb[1] = (uint8_t)((cmyk[1] * k + 127) / 255);
        rgb[2] = (uint8_t)((cmyk[2] * k + 127) / 255);
    }
}

// MARK: - Public entry points

cjpeg_decoder *cjpeg_decoder_open(const uint8_t *bytes, size_t count, shim_status *status) {
    cjpeg_decoder *decoder = (cjpeg_decoder *)shim_decoder_calloc(sizeof *decoder, "JPEG", status);
    if (decoder == NULL) return NULL;
    decoder->count = count;
    decoder->info.err = jpeg_std_error(&decoder->errors);
    decoder->errors.error_exit = on_jpeg_error;
    decoder->errors.emit_message = on_jpeg_message;
    decoder->errors.output_message = on_jpeg_output;
    decoder->info.client_data = decoder;  // kept by jpeg_create_decompress
    if (setjmp(decoder->unwind)) {
        decoder->unusable = 1;
        shim_status_fail_with(status, &decoder->failure, no_detail);
        return decoder;
    }
    jpeg_create_decompress(&decoder->info);
    decoder->created = 1;
    decoder->source.next_input_byte = bytes;
    decoder->source.bytes_in_buffer = count;
    decoder->source.init_source = on_source_start_or_end;
    decoder->source.fill_input_buffer = on_source_empty;
    decoder->source.skip_input_data = on_source_skip;
    decoder->source.resync_to_restart = jpeg_resync_to_restart;
    decoder->source.term_source = on_source_start_or_end;
    decoder->info.src = &decoder->source;
    (void)jpeg_read_header(&decoder->info, TRUE);  // never suspends: the source has every byte
    status->width = decoder->info.image_width;
    status->height = decoder->info.image_height;

    decoder->info.dct_method = JDCT_ISLOW;
    decoder->info.do_fancy_upsampling = TRUE;
    switch (decoder->info.jpeg_color_space) {
    case JCS_GRAYSCALE:  // libjpeg-turbo replicates gray to R=G=B
    case JCS_YCbCr:
    case JCS_RGB:
        decoder->info.out_color_space = JCS_RGB;
        break;
    case JCS_CMYK:
    case JCS_YCCK:  // libjpeg turns YCCK into CMYK
        decoder->info.out_color_space = JCS_CMYK;
        break;
    default:
        decoder->unusable = 1;
        shim_failure_record(&decoder->failure,
                            "unsupported JPEG colour layout: %d components that are not gray, YCbCr, "
                            "RGB, CMYK or YCCK",
                            decoder->info.num_components);
        shim_status_fail_with(status, &decoder->failure, no_detail);
    }
    return decoder;
}

int cjpeg_decoder_read_rgb(cjpeg_decoder *decoder, uint8_t *rgb_out, shim_status *status) {
    if (decoder == NULL || decoder->unusable || decoder->started) {
        shim_status_fail(status, "internal error: the JPEG decoder is not ready to read pixels");
        return 1;
    }
    decoder->started = 1;
    struct jpeg_decompress_struct *info = &decoder->info;
    if (setjmp(decoder->unwind)) {
        decoder->unusable = 1;
        shim_status_fail_with(status, &decoder->failure, no_detail);
        return 1;
    }
    jpeg_start_decompress(info);
    int cmyk = info->out_color_space == JCS_CMYK;
    if (info->output_width != info->image_width || info->output_height != info->image_height ||
        info->output_components != (cmyk ? 4 : 3)) {
        shim_failure_record(&decoder->failure,
                            "internal error: libjpeg gives %ux%u pixels of %d components",
                            info->output_width, info->output_height, info->output_components);
        longjmp(decoder->unwind, 1);
    }
    size_t width = info->output_width;
    if (cmyk) {
        decoder->cmyk_row = (uint8_t *)malloc(width * 4);
        if (decoder->cmyk_row == NULL) {
            shim_failure_record(&decoder->failure, "out of memory for a row of %zu CMYK pixels", width);
            longjmp(decoder->unwind, 1);
        }
    }
    while (info->output_scanline < info->output_height) {
        uint8_t *rgb_row = rgb_out + (size_t)info->output_scanline * width * 3;
        JSAMPROW row = cmyk ? decoder->cmyk_row : rgb_row;
        if (jpeg_read_scanlines(info, &row, 1) != 1) on_source_empty(info);
        if (cmyk) cmyk_row_to_rgb(decoder->cmyk_row, rgb_row, width);
    }
    // Reads on to the end-of-image marker: a file cut after its last scan line is truncated too,
    // as PIL finds.
    jpeg_finish_decompress(info);
    return 0;
}

void cjpeg_decoder_close(cjpeg_decoder *decoder) {
    if (decoder == NULL) return;
    if (decoder->created) jpeg_destroy_decompress(&decoder->info);
    free(decoder->cmyk_row);
    free(decoder);
}
