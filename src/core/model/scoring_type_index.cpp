// Activity type names to dense ids: see scoring_type_index.hpp.
#include "core/model/scoring_type_index.hpp"

#include <functional>

namespace leadscore::core {

namespace {

std::size_t Hash(std::string_view name) noexcept {
	return std::hash<std::string_view>{}(name);
}

} // namespace

std::uint32_t TypeIndex::Find(std::string_view name) const noexcept {
	if (slots_.empty())
		return kNotFound;
	std::size_t h = Hash(name);
	std::size_t mask = slots_.size() - 1;
	// The table is at most half full, so the probe ends at an empty slot.
	for (std::size_t k = h & mask;; k = (k + 1) & mask) {
		std::uint32_t id = slots_[k];
		if (id == kNotFound)
			return kNotFound;
		if (hashes_[id] == h && names_[id] == name)
			return id;
	}
}

std::uint32_t TypeIndex::Add(std::string_view name) {
	std::uint32_t found = Find(name);
	if (found != kNotFound)
		return found;
	if ((names_.size() + 1) * 2 > slots_.size())
		Grow();

	auto id = static_cast<std::uint32_t>(names_.size());
	std::size_t h = Hash(name);
	names_.emplace_back(name);
	hashes_.push_back(h);
	std::size_t mask = slots_.size() - 1;
	std::size_t k = h & mask;
	while (slots_[k] != kNotFound)
		k = (k + 1) & mask;
	slots_[k] = id;
	return id;
}

void TypeIndex::Grow() {
	std::size_t size = slots_.empty() ? 16 : slots_.size() * 2;
	slots_.assign(size, kNotFound);
	std::size_t mask = size - 1;
	for (std::uint32_t id = 0; id < names_.size(); id++) {
		std::size_t k = hashes_[id] & mask;
		while (slots_[k] != kNotFound)
			k = (k + 1) & mask;
		slots_[k] = id;
	}
}

} // namespace leadscore::core
