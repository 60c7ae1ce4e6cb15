// Lead keys to dense indexes: first-seen order, lookups of absent keys,
// growth, Clear() between statements (including after a large one), byte
// keys that differ only in length or contain NUL bytes, and a randomized run
// against std::unordered_map.
#include "core/ingest/lead_key_map.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace leadscore::core {
namespace {

std::uint32_t Add(IntKeyMap *map, std::int64_t key, bool expect_added) {
	bool added = !expect_added;
	std::uint32_t index = map->FindOrAdd(key, &added);
	EXPECT_EQ(added, expect_added) << "key " << key;
	return index;
}

std::uint32_t Add(BytesKeyMap *map, const std::string &key, bool expect_added) {
	bool added = !expect_added;
	std::uint32_t index = map->FindOrAdd(key, &added);
	EXPECT_EQ(added, expect_added) << "key " << key;
	return index;
}

TEST(IntKeyMapTest, DenseIndexesInFirstSeenOrder) {
	IntKeyMap map;
	EXPECT_EQ(map.Find(42), kNoLead);
	EXPECT_EQ(Add(&map, 42, true), 0u);
	EXPECT_EQ(Add(&map, -7, true), 1u);
	EXPECT_EQ(Add(&map, 42, false), 0u);
	EXPECT_EQ(Add(&map, 0, true), 2u);
	EXPECT_EQ(map.Find(-7), 1u);
	EXPECT_EQ(map.Find(43), kNoLead);
	EXPECT_EQ(map.size(), 3u);
	EXPECT_EQ(map.key_at(0), 42);
	EXPECT_EQ(map.key_at(1), -7);
	EXPECT_EQ(map.key_at(2), 0);
}

TEST(IntKeyMapTest, ExtremeAndConsecutiveKeys) {
	IntKeyMap map;
	const std::int64_t lo = std::numeric_limits<std::int64_t>::min();
	const std::int64_t hi = std::numeric_limits<std::int64_t>::max();
	EXPECT_EQ(Add(&map, lo, true), 0u);
	EXPECT_EQ(Add(&map, hi, true), 1u);
	// Consecutive ids, the usual CRM keys, through several growths.
	for (std::int64_t k = 1; k <= 100'000; k++)
		ASSERT_EQ(Add(&map, k, true), static_cast<std::uint32_t>(k + 1));
	EXPECT_EQ(map.size(), 100'002u);
	EXPECT_EQ(map.Find(lo), 0u);
	EXPECT_EQ(map.Find(hi), 1u);
	for (std::int64_t k = 1; k <= 100'000; k++)
		ASSERT_EQ(map.Find(k), static_cast<std::uint32_t>(k + 1));
	EXPECT_EQ(map.Find(0), kNoLead);
	EXPECT_EQ(map.Find(100'001), kNoLead);
}

TEST(IntKeyMapTest, ClearForgetsEveryKeyAndRestartsIndexes) {
	IntKeyMap map;
	for (std::int64_t k = 0; k < 10'000; k++)
		Add(&map, k * 7, true);
	map.Clear();
	EXPECT_EQ(map.size(), 0u);
	for (std::int64_t k = 0; k < 10'000; k++)
		ASSERT_EQ(map.Find(k * 7), kNoLead);
	// A small statement after a large one: indexes start again at 0, and
	// keys of the large one stay forgotten.
	EXPECT_EQ(Add(&map, 7, true), 0u);
	EXPECT_EQ(Add(&map, 5, true), 1u);
	EXPECT_EQ(Add(&map, 7, false), 0u);
	EXPECT_EQ(map.Find(14), kNoLead);
	EXPECT_EQ(map.key_at(1), 5);
}

TEST(IntKeyMapTest, ManyClearsOfSmallStatements) {
	IntKeyMap map;
	for (int statement = 0; statement < 5'000; statement++) {
		map.Clear();
		std::int64_t key = statement % 3;
		ASSERT_EQ(Add(&map, key, true), 0u);
		ASSERT_EQ(Add(&map, key + 100, true), 1u);
		ASSERT_EQ(map.Find(key + 1), kNoLead);
	}
}

TEST(BytesKeyMapTest, DenseIndexesInFirstSeenOrder) {
	BytesKeyMap map;
	EXPECT_EQ(map.Find("ann"), kNoLead);
	EXPECT_EQ(Add(&map, "ann", true), 0u);
	EXPECT_EQ(Add(&map, "bob", true), 1u);
	EXPECT_EQ(Add(&map, "ann", false), 0u);
	EXPECT_EQ(map.Find("bob"), 1u);
	EXPECT_EQ(map.Find("cy"), kNoLead);
	EXPECT_EQ(map.key_at(0), "ann");
	EXPECT_EQ(map.key_at(1), "bob");
}

TEST(BytesKeyMapTest, KeysDifferingInLengthOrHoldingNulBytes) {
	BytesKeyMap map;
	const std::string nul_a("a\0b", 3);
	const std::string nul_b("a\0c", 3);
	EXPECT_EQ(Add(&map, "", true), 0u);
	EXPECT_EQ(Add(&map, "a", true), 1u);
	EXPECT_EQ(Add(&map, "ab", true), 2u);
	EXPECT_EQ(Add(&map, nul_a, true), 3u);
	EXPECT_EQ(Add(&map, nul_b, true), 4u);
	EXPECT_EQ(map.Find(""), 0u);
	EXPECT_EQ(map.Find("a"), 1u);
	EXPECT_EQ(map.Find(nul_a), 3u);
	EXPECT_EQ(map.Find(std::string("a\0", 2)), kNoLead);
	EXPECT_EQ(map.key_at(4), nul_b);
	// 16-byte keys, as uuids are.
	std::string uuid(16, '\0');
	for (int i = 0; i < 1'000; i++) {
		uuid[static_cast<std::size_t>(i % 16)] = static_cast<char>(i);
		Add(&map, uuid, map.Find(uuid) == kNoLead);
		ASSERT_NE(map.Find(uuid), kNoLead);
	}
}

TEST(BytesKeyMapTest, ClearForgetsEveryKey) {
	BytesKeyMap map;
	for (int k = 0; k < 5'000; k++)
		Add(&map, "lead-" + std::to_string(k), true);
	map.Clear();
	EXPECT_EQ(map.size(), 0u);
	EXPECT_EQ(map.Find("lead-1"), kNoLead);
	EXPECT_EQ(Add(&map, "lead-1", true), 0u);
	EXPECT_EQ(map.key_at(0), "lead-1");
}

// Random keys from a small range (many repeats), random Clear()s: the maps
// agree with std::unordered_map throughout.
TEST(LeadKeyMapTest, AgreesWithUnorderedMap) {
	std::mt19937_64 random(4242);
	IntKeyMap ints;
	BytesKeyMap bytes;
	std::unordered_map<std::int64_t, std::uint32_t> int_reference;
	std::unordered_map<std::string, std::uint32_t> bytes_reference;
	for (int step = 0; step < 200'000; step++) {
		if (random() % 20'000 == 0) {
			ints.Clear();
			bytes.Clear();
			int_reference.clear();
			bytes_reference.clear();
		}
		auto key = static_cast<std::int64_t>(random() % 30'000) - 15'000;
		std::string text = "k" + std::to_string(key);
		if (random() % 4 == 0) {
			auto found = int_reference.find(key);
			ASSERT_EQ(ints.Find(key), found == int_reference.end() ? kNoLead : found->second);
			auto text_found = bytes_reference.find(text);
			ASSERT_EQ(bytes.Find(text), text_found == bytes_reference.end() ? kNoLead : text_found->second);
			continue;
		}
		bool added;
		std::uint32_t index = ints.FindOrAdd(key, &added);
		auto [it, inserted] = int_reference.emplace(key, static_cast<std::uint32_t>(int_reference.size()));
		ASSERT_EQ(added, inserted);
		ASSERT_EQ(index, it->second);
		index = bytes.FindOrAdd(text, &added);
		auto [text_it, text_inserted] =
		    bytes_reference.emplace(text, static_cast<std::uint32_t>(bytes_reference.size()));
		ASSERT_EQ(added, text_inserted);
		ASSERT_EQ(index, text_it->second);
	}
}

} // namespace
} // namespace leadscore::core
