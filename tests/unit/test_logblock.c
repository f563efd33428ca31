/* Unit tests of logblock.c: records round-trip with their numbers, a block
 * fills to its size and no further, a stored block resumes, and bytes that
 * are not a block are refused. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "logblock.h"

static logblock built, again;

/* Record i: i % 50 + 1 bytes of value i. */
static size_t record(uint32_t i, uint8_t *out)
{
	size_t n = i % 50 + 1;
	memset(out, (int)(i & 0xff), n);
	return n;
}

static uint64_t seq_of(uint32_t i)
{
	return 1000 + 3 * (uint64_t)i + 100000 * (uint64_t)(i / 7);	/* gaps, some wide */
}

/* Adds records 0, 1, ... until the block is full; returns how many. */
static uint32_t fill(logblock *b)
{
	logblock_reset(b);
	uint8_t rec[64];
	uint32_t i = 0;
	while (logblock_add(b, seq_of(i), rec, record(i, rec)))
		i++;
	return i;
}

/* Reads the block's records back; true when they are records 0..n-1. */
static bool holds(const logblock *b, uint32_t n)
{
	logblock_rd r;
	logblock_read(&r, b->first, b->bytes, b->len);
	uint8_t want[64];
	uint64_t seq;
	const uint8_t *rec;
	size_t len;
	for (uint32_t i = 0; i < n; i++) {
		size_t wlen = record(i, want);
		if (logblock_next(&r, &seq, &rec, &len) != 1 || seq != seq_of(i) || len != wlen ||
		    memcmp(rec, want, len) != 0)
			return false;
	}
	return logblock_next(&r, &seq, &rec, &len) == 0;
}

static void test_fills_and_reads_back(void)
{
	uint32_t n = fill(&built);
	CHECK(n > 100);
	CHECK(built.len <= LOGBLOCK_BYTES && built.len > LOGBLOCK_BYTES - 64);
	CHECK(built.first == seq_of(0) && built.last == seq_of(n - 1));
	CHECK(holds(&built, n));
	uint8_t rec[LOGBLOCK_BYTES];
	logblock_reset(&built);
	CHECK(logblock_add(&built, 5, rec, LOGBLOCK_BYTES - 3));	/* one byte of number, two of length */
	CHECK(!logblock_add(&built, 6, rec, 0));
	logblock_reset(&built);
	CHECK(!logblock_add(&built, 5, rec, LOGBLOCK_BYTES - 2));
}

static void test_resume_extends(void)
{
	uint32_t n = fill(&built);
	logblock half;
	logblock_reset(&half);
	uint8_t rec[64];
	for (uint32_t i = 0; i < n / 2; i++)
		CHECK(logblock_add(&half, seq_of(i), rec, record(i, rec)));
	CHECK(logblock_resume(&again, half.first, half.bytes, half.len));
	CHECK(again.first == half.first && again.last == half.last);
	uint32_t i = n / 2;
	while (logblock_add(&again, seq_of(i), rec, record(i, rec)))
		i++;
	CHECK(i == n && again.len == built.len && memcmp(again.bytes, built.bytes, built.len) == 0);
}

static bool refused(const uint8_t *bytes, size_t len)
{
	return !logblock_resume(&again, 10, bytes, len);
}

static void test_refuses_what_is_not_a_block(void)
{
	static const uint8_t first_not_zero[] = {1, 1, 'a'};
	static const uint8_t second_zero[] = {0, 1, 'a', 0, 1, 'b'};
	static const uint8_t too_long[] = {0, 5, 'a', 'b'};
	static const uint8_t cut_varint[] = {0, 0x80};
	static const uint8_t ok[] = {0, 1, 'a', 2, 0};
	CHECK(refused(first_not_zero, sizeof first_not_zero));
	CHECK(refused(second_zero, sizeof second_zero));
	CHECK(refused(too_long, sizeof too_long));
	CHECK(refused(cut_varint, sizeof cut_varint));
	CHECK(refused(ok, 0));
	CHECK(!refused(ok, sizeof ok) && again.first == 10 && again.last == 12);
	uint32_t n = fill(&built);
	CHECK(n > 0 && refused(built.bytes, LOGBLOCK_BYTES + 1));
}

int main(void)
{
	RUN(test_fills_and_reads_back);
	RUN(test_resume_extends);
	RUN(test_refuses_what_is_not_a_block);
	return run_failed;
}
