// Activity type names to dense ids, looked up by string_view.
//
// Every row the CRM inserts passes through one Find(): it must not allocate
// (std::unordered_map<std::string, ...> would build a std::string per lookup
// in C++17, which lacks heterogeneous lookup) and should touch little memory.
// This is a small open-addressing table: a power-of-two array of ids, probed
// linearly, kept at most half full; each id keeps its name and its hash, so a
// probe compares hashes before bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::core {

class TypeIndex {
public:
	static constexpr std::uint32_t kNotFound = UINT32_MAX;

	// Returns the id of `name`, adding it if new; ids count up from 0.
	std::uint32_t Add(std::string_view name);
	// Returns the id of `name`, or kNotFound.  Never allocates.
	std::uint32_t Find(std::string_view name) const noexcept;

	std::size_t size() const noexcept {
		return names_.size();
	}

private:
	void Grow();

	std::vector<std::string> names_;   // by id
	std::vector<std::size_t> hashes_;  // by id
	std::vector<std::uint32_t> slots_; // ids or kNotFound; size is 0 or a power of two
};

} // namespace leadscore::core
