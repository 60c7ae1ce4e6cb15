// Cap windows to and from bigint[].
#include "pg/state/state_codec.hpp"

#include <cstring>

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

void EncodePending(const std::vector<core::LeadState::Pending> &pending, std::vector<std::int64_t> *out) {
	if (pending.empty())
		return;
	out->push_back(kPendingMark);
	for (const core::LeadState::Pending &p : pending) {
		std::int64_t bits;
		static_assert(sizeof bits == sizeof p.stored, "a float8 in a bigint");
		std::memcpy(&bits, &p.stored, sizeof bits);
		out->push_back(p.at);
		out->push_back(bits);
		out->push_back(p.stage);
	}
	out->push_back(static_cast<std::int64_t>(pending.size()));
}

int PendingTail(const std::int64_t *data, int n) {
	if (n < 5)
		return 0;
	std::int64_t count = data[n - 1];
	if (count < 1 || count > (n - 2) / 3)
		return 0;
	int tail = static_cast<int>(3 * count + 2);
	return data[n - tail] == kPendingMark ? tail : 0;
}

void DecodePending(const std::int64_t *data, int n, std::vector<core::LeadState::Pending> *pending) {
	pending->clear();
	for (int k = 1; k + 2 < n; k += 3) {
		core::LeadState::Pending p{data[k], 0, static_cast<int>(data[k + 2])};
		std::memcpy(&p.stored, &data[k + 1], sizeof p.stored);
		pending->push_back(p);
	}
}

} // namespace leadscore::pg
