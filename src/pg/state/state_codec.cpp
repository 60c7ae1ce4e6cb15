// Cap windows to and from bigint[].
#include "pg/state/state_codec.hpp"

namespace leadscore::pg {

void EncodeCaps(const std::vector<core::CapWindow> &caps, std::vector<std::int64_t> *out) {
	for (const core::CapWindow &w : caps) {
		out->push_back(w.beyond);
		out->push_back(static_cast<std::int64_t>(w.times.size()));
		out->insert(out->end(), w.times.begin(), w.times.end());
	}
}

bool DecodeCaps(const std::int64_t *data, int n, std::size_t count, std::vector<core::CapWindow> *caps) {
	caps->resize(count);
	int pos = 0;
	for (core::CapWindow &w : *caps) {
		w.times.clear();
		w.beyond = 0;
		if (n == 0)
			continue; // NULL: empty windows
		if (pos + 2 > n)
			return false;
		w.beyond = data[pos];
		std::int64_t len = data[pos + 1];
		pos += 2;
		if (len < 0 || pos + len > n)
			return false;
		w.times.assign(data + pos, data + pos + len);
		pos += static_cast<int>(len);
	}
	return n == 0 || pos == n;
}

} // namespace leadscore::pg
