// Lead keys to dense indexes: see lead_key_map.hpp.
#include "core/ingest/lead_key_map.hpp"

#include "core/base/error.hpp"

#include <algorithm>
#include <functional>
#include <utility>

namespace leadscore::core {

namespace {

constexpr std::size_t kInitialSlots = 16;

// MurmurHash3's 64-bit finalizer: every key bit reaches the low bits the
// mask keeps, so consecutive ids (the usual CRM keys) spread evenly.
std::uint64_t MixInt(std::int64_t key) noexcept {
	auto h = static_cast<std::uint64_t>(key);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

std::uint64_t HashBytes(std::string_view key) noexcept {
	return std::hash<std::string_view>{}(key);
}

void PrefetchSlot(const void *slot) noexcept {
#if defined(__GNUC__)
	__builtin_prefetch(slot);
#else
	(void)slot;
#endif
}

// Dense indexes are uint32 and kNoLead is reserved.
void CheckRoom(std::size_t size) {
	if (size >= kNoLead - 1)
		throw Error(ErrorKind::TooComplex, "more than 4 billion leads in one statement");
}

// The next generation; on wrap-around every slot is marked unused for real.
template <typename Slot>
void NextGeneration(std::vector<Slot> *slots, std::uint32_t *generation) noexcept {
	if (++*generation == 0) {
		for (Slot &s : *slots)
			s.generation = 0;
		*generation = 1;
	}
}

} // namespace

std::uint32_t IntKeyMap::Find(std::int64_t key) const noexcept {
	if (slots_.empty())
		return kNoLead;
	std::size_t mask = slots_.size() - 1;
	// At most half full: the probe ends at an unused slot.
	for (std::size_t k = MixInt(key) & mask;; k = (k + 1) & mask) {
		const Slot &s = slots_[k];
		if (s.generation != generation_)
			return kNoLead;
		if (s.key == key)
			return s.index;
	}
}

void IntKeyMap::Prefetch(std::int64_t key) const noexcept {
	if (!slots_.empty())
		PrefetchSlot(&slots_[MixInt(key) & (slots_.size() - 1)]);
}

std::uint32_t IntKeyMap::FindOrAdd(std::int64_t key, bool *added) {
	*added = false;
	if (!slots_.empty()) {
		std::size_t mask = slots_.size() - 1;
		for (std::size_t k = MixInt(key) & mask;; k = (k + 1) & mask) {
			Slot &s = slots_[k];
			if (s.generation != generation_)
				break;
			if (s.key == key)
				return s.index;
		}
	}
	CheckRoom(size());
	if ((size() + 1) * 2 > slots_.size())
		Grow();
	auto index = static_cast<std::uint32_t>(size());
	keys_.push_back(key);
	Place(key, index);
	*added = true;
	return index;
}

void IntKeyMap::Place(std::int64_t key, std::uint32_t index) noexcept {
	std::size_t mask = slots_.size() - 1;
	std::size_t k = MixInt(key) & mask;
	while (slots_[k].generation == generation_)
		k = (k + 1) & mask;
	slots_[k] = Slot{key, index, generation_};
}

void IntKeyMap::Grow() {
	std::vector<Slot> old(std::max(kInitialSlots, slots_.size() * 2), Slot{0, 0, 0});
	old.swap(slots_);
	for (const Slot &s : old)
		if (s.generation == generation_)
			Place(s.key, s.index);
}

void IntKeyMap::Clear() noexcept {
	NextGeneration(&slots_, &generation_);
	keys_.clear();
}

std::uint32_t BytesKeyMap::Find(std::string_view key) const noexcept {
	if (slots_.empty())
		return kNoLead;
	std::uint64_t h = HashBytes(key);
	std::size_t mask = slots_.size() - 1;
	for (std::size_t k = h & mask;; k = (k + 1) & mask) {
		const Slot &s = slots_[k];
		if (s.generation != generation_)
			return kNoLead;
		if (s.hash == h && key_at(s.index) == key)
			return s.index;
	}
}

void BytesKeyMap::Prefetch(std::string_view key) const noexcept {
	if (!slots_.empty())
		PrefetchSlot(&slots_[HashBytes(key) & (slots_.size() - 1)]);
}

std::uint32_t BytesKeyMap::FindOrAdd(std::string_view key, bool *added) {
	*added = false;
	std::uint32_t found = Find(key);
	if (found != kNoLead)
		return found;
	CheckRoom(size());
	if ((size() + 1) * 2 > slots_.size())
		Grow();
	auto index = static_cast<std::uint32_t>(size());
	offsets_.push_back(bytes_.size());
	lengths_.push_back(static_cast<std::uint32_t>(key.size()));
	bytes_.insert(bytes_.end(), key.begin(), key.end());
	Place(HashBytes(key), index);
	*added = true;
	return index;
}

void BytesKeyMap::Place(std::uint64_t hash, std::uint32_t index) noexcept {
	std::size_t mask = slots_.size() - 1;
	std::size_t k = hash & mask;
	while (slots_[k].generation == generation_)
		k = (k + 1) & mask;
	slots_[k] = Slot{hash, index, generation_};
}

void BytesKeyMap::Grow() {
	std::vector<Slot> old(std::max(kInitialSlots, slots_.size() * 2), Slot{0, 0, 0});
	old.swap(slots_);
	for (const Slot &s : old)
		if (s.generation == generation_)
			Place(s.hash, s.index);
}

void BytesKeyMap::Clear() noexcept {
	NextGeneration(&slots_, &generation_);
	bytes_.clear();
	offsets_.clear();
	lengths_.clear();
}

} // namespace leadscore::core
