// Lead keys to the dense indexes IngestBatch takes (ingest_batch.hpp).
//
// The activity trigger looks up every row's lead key, so this map is on the
// hottest path of a bulk load: a million rows means a million lookups.
// std::unordered_map<std::string, ...> costs a node per key, a std::string
// built per lookup and a pointer chase per probe.  These are open-addressing
// tables instead: a power-of-two array of slots probed linearly, kept at most
// half full, each slot holding what a probe compares (the integer key itself,
// or a byte key's hash) next to the dense index.
//
// Clear() must cost nothing however large the table grew: after a bulk load
// the same backend goes on with single-row statements.  Each slot carries the
// generation it was written in, and Clear() starts a new generation: slots
// of older ones read as empty.
//
// Dense indexes count up from 0 in the order keys were first added.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace leadscore::core {

constexpr std::uint32_t kNoLead = UINT32_MAX;

// Integer keys (bigint and integer lead columns).
class IntKeyMap {
public:
	// The index of `key`, adding it as the next one if new (*added tells).
	std::uint32_t FindOrAdd(std::int64_t key, bool *added);
	// The index of `key`, or kNoLead.
	std::uint32_t Find(std::int64_t key) const noexcept;
	// A hint that `key` is looked up soon: starts loading its slot into the
	// cache (rows come in random lead order).
	void Prefetch(std::int64_t key) const noexcept;
	// Forgets every key, keeping the memory.
	void Clear() noexcept;
	std::size_t size() const noexcept {
		return keys_.size();
	}
	// The key of index `index` < size().
	std::int64_t key_at(std::uint32_t index) const noexcept {
		return keys_[index];
	}

private:
	struct Slot {
		std::int64_t key;
		std::uint32_t index;
		std::uint32_t generation; // the slot is in use when this is generation_
	};
	void Grow();
	void Place(std::int64_t key, std::uint32_t index) noexcept;

	std::vector<Slot> slots_; // size 0 or a power of two
	std::uint32_t generation_ = 1;
	std::vector<std::int64_t> keys_; // by index
};

// Byte-string keys (uuid and text lead columns: their bytes).  The map keeps
// its own copy of each key.
class BytesKeyMap {
public:
	std::uint32_t FindOrAdd(std::string_view key, bool *added);
	std::uint32_t Find(std::string_view key) const noexcept;
	void Prefetch(std::string_view key) const noexcept;
	void Clear() noexcept;
	std::size_t size() const noexcept {
		return offsets_.size();
	}
	// The key of index `index` < size().
	std::string_view key_at(std::uint32_t index) const noexcept {
		return std::string_view(bytes_.data() + offsets_[index], lengths_[index]);
	}

private:
	struct Slot {
		std::uint64_t hash;
		std::uint32_t index;
		std::uint32_t generation;
	};
	void Grow();
	void Place(std::uint64_t hash, std::uint32_t index) noexcept;

	std::vector<Slot> slots_;
	std::uint32_t generation_ = 1;
	std::vector<char> bytes_;            // every key, back to back
	std::vector<std::size_t> offsets_;   // where key i starts in bytes_
	std::vector<std::uint32_t> lengths_; // its length
};

} // namespace leadscore::core
