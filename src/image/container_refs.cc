// ImageStore::ListContainerReferences: the container side of the refs table.
#include "image/image_store.h"

namespace skiff::image {

Result<std::vector<std::string>> ImageStore::ListContainerReferences() {
  std::lock_guard lk(mu_);
  auto st = SKIFF_TRY(db_->Prepare("SELECT container_id FROM refs ORDER BY container_id"));
  std::vector<std::string> out;
  while (SKIFF_TRY(st.Step())) out.push_back(st.Text(0));
  return out;
}

}  // namespace skiff::image
