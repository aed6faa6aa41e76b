/*
 * libcurl alone: the delivery benchmarks' ceiling for outreachd, which must deliver through libcurl.
 *
 *   curl_ceiling smtp smtp://127.0.0.1:PORT COUNT CONCURRENCY MESSAGE_FILE
 *   curl_ceiling http http://127.0.0.1:PORT/PATH COUNT CONCURRENCY BODY_FILE
 *
 * Sends COUNT copies of the file's bytes (an e-mail as outreachd writes it, or a webhook body) with
 * CONCURRENCY threads, each reusing one easy handle and so one connection, as outreachd's workers
 * do: no ledger, no rendering, no signing, nothing recorded. What it measures is what libcurl's
 * easy interface costs per message on this machine against the same server; outreachd's rate
 * divided by this one is how much of that ceiling outreachd reaches. The HTTP request carries
 * headers of the same names and sizes as outreachd's (fixed values; nothing is signed).
 *
 * Prints `sent COUNT in SECONDS s`; exits 1 on any transfer that fails or is not answered with
 * SMTP 250 / HTTP 2xx. bench.py builds it with `cc -O2 ... $(pkg-config --cflags --libs libcurl)`.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *url;
static int smtp;
static char *payload;
static size_t payload_size;
static long remaining;                 /* messages not yet taken, across threads */
static pthread_mutex_t take_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int failed;

/* The upload (SMTP DATA) read from the shared payload; each transfer has its own offset. */
struct upload { size_t offset; };

static size_t read_payload(char *buffer, size_t size, size_t count, void *user) {
    struct upload *up = user;
    size_t left = payload_size - up->offset, n = size * count < left ? size * count : left;
    memcpy(buffer, payload + up->offset, n);
    up->offset += n;
    return n;
}

static size_t discard(char *buffer, size_t size, size_t count, void *user) {
    (void)buffer; (void)user;
    return size * count;
}

static int take(void) {
    pthread_mutex_lock(&take_lock);
    int ok = remaining > 0;
    if (ok) remaining--;
    pthread_mutex_unlock(&take_lock);
    return ok;
}

static void *worker(void *unused) {
    (void)unused;
    CURL *curl = curl_easy_init();
    struct curl_slist *recipients = curl_slist_append(NULL, "<customer@example.com>");
    /* outreachd's webhook headers, same names and value lengths (a 32-hex id, a 10-digit time, a base64 HMAC). */
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Idempotency-Key: msg_0123456789abcdef0123456789abcdef");
    headers = curl_slist_append(headers, "webhook-id: msg_0123456789abcdef0123456789abcdef");
    headers = curl_slist_append(headers, "webhook-timestamp: 1764496800");
    headers = curl_slist_append(headers, "User-Agent: outreachd");
    headers = curl_slist_append(headers, "webhook-signature: v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=");
    headers = curl_slist_append(headers, "Expect:");
    while (take()) {
        struct upload up = { 0 };
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
        if (smtp) {
            curl_easy_setopt(curl, CURLOPT_MAIL_FROM, "<care@example.com>");
            curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
            curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
            curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_payload);
            curl_easy_setopt(curl, CURLOPT_READDATA, &up);
            curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)payload_size);
        } else {
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload);
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)payload_size);
            curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        }
        CURLcode code = curl_easy_perform(curl);
        long status = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        if (code != CURLE_OK || (smtp ? status != 250 : status / 100 != 2)) {
            if (atomic_fetch_add(&failed, 1) == 0) fprintf(stderr, "transfer failed: %s (reply %ld)\n", curl_easy_strerror(code), status);
        }
    }
    curl_slist_free_all(recipients);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 6 || (strcmp(argv[1], "smtp") && strcmp(argv[1], "http"))) {
        fprintf(stderr, "usage: %s smtp|http URL COUNT CONCURRENCY FILE\n", argv[0]);
        return 2;
    }
    smtp = !strcmp(argv[1], "smtp");
    url = argv[2];
    remaining = atol(argv[3]);
    int concurrency = atoi(argv[4]);
    if (remaining < 1 || concurrency < 1 || concurrency > 256) {
        fprintf(stderr, "COUNT must be at least 1 and CONCURRENCY 1 to 256\n");
        return 2;
    }
    FILE *file = fopen(argv[5], "rb");
    if (!file) { perror(argv[5]); return 2; }
    fseek(file, 0, SEEK_END);
    payload_size = (size_t)ftell(file);
    rewind(file);
    payload = malloc(payload_size + 1);
    if (fread(payload, 1, payload_size, file) != payload_size) { perror(argv[5]); return 2; }
    fclose(file);

    long count = remaining;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_t threads[256];
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int i = 0; i < concurrency; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (int i = 0; i < concurrency; i++) pthread_join(threads[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    printf("sent %ld in %.3f s\n", count, seconds);
    curl_global_cleanup();
    free(payload);
    if (failed) { fprintf(stderr, "%d of %ld transfers failed\n", (int)failed, count); return 1; }
    return 0;
}
