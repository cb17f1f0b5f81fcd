// ImageStore's container side: the refs table (container -> image, with or without a snapshot), the
// containers' writable snapshots, export. A container keeps its image's layers: an image removed while
// containers reference it is only hidden, and deleted when the last of them releases it.
#include <set>

#include "image/image_store.h"
#include "storage/tar_write.h"

namespace skiff::image {

Result<std::vector<std::string>> ImageStore::ListContainerReferences() {
  std::lock_guard lk(mu_);
  auto st = SKIFF_TRY(db_->Prepare("SELECT container_id FROM refs ORDER BY container_id"));
  std::vector<std::string> out;
  while (SKIFF_TRY(st.Step())) out.push_back(st.Text(0));
  return out;
}

Status ImageStore::AddImageReference(const std::string& container_id, const Digest& image) {
  {
    std::lock_guard lk(mu_);
    // Only a visible image takes a reference (a hidden one is gone for everything but its containers).
    auto st = SKIFF_TRY(db_->Prepare(
        "INSERT INTO refs(container_id, image_id) SELECT ?, id FROM images WHERE id=? AND deleted=0 "
        "ON CONFLICT(container_id) DO UPDATE SET image_id=excluded.image_id"));
    st.Bind(1, container_id).Bind(2, image.str());
    SKIFF_TRY(st.Run());
    if (db_->Changes() == 0) return Error(Errc::kNotFound, "No such image: " + image.str());
  }
  return PurgeHiddenIfIdle();  // the container may have moved off a hidden image
}

Status ImageStore::ReleaseImageReference(const std::string& container_id) {
  {
    std::lock_guard lk(mu_);
    SKIFF_TRY(SKIFF_TRY(db_->Prepare("DELETE FROM refs WHERE container_id=?")).Bind(1, container_id).Run());
  }
  return PurgeHiddenIfIdle();
}

Status ImageStore::PurgeHiddenIfIdle() {
  {
    std::lock_guard lk(mu_);
    auto st = SKIFF_TRY(db_->Prepare(
        "SELECT 1 FROM images WHERE deleted=1 AND id NOT IN (SELECT image_id FROM refs) LIMIT 1"));
    if (!SKIFF_TRY(st.Step())) return Ok();
  }
  // Files go too, so exclusive against transfers; one in flight leaves it to the next Remove/Prune/GC/Open.
  std::unique_lock gc(gc_mu_, std::try_to_lock);
  if (!gc.owns_lock()) return Ok();
  return PurgeHiddenLocked();
}

Result<std::string> ImageStore::CreateContainerSnapshot(const std::string& container_id, const Digest& image) {
  std::shared_lock gc(gc_mu_);
  if (!SKIFF_TRY(IsVisible(image))) return Error(Errc::kNotFound, "No such image: " + image.str());
  SKIFF_TRY(snaps_->CreateSnapshot(container_id));
  {
    std::lock_guard lk(mu_);
    auto st = SKIFF_TRY(db_->Prepare(
        "INSERT OR REPLACE INTO refs(container_id, image_id, snapshot) SELECT ?, id, 1 FROM images WHERE id=? AND deleted=0"));
    st.Bind(1, container_id).Bind(2, image.str());
    auto r = st.Run();
    if (r.ok() && db_->Changes() == 0) r = Error(Errc::kNotFound, "No such image: " + image.str());
    if (!r.ok()) {
      (void)snaps_->RemoveSnapshot(container_id);
      return std::move(r).error();
    }
  }
  return MountContainerSnapshot(container_id);
}

Result<std::string> ImageStore::MountContainerSnapshot(const std::string& container_id) {
  std::string image;
  {
    std::lock_guard lk(mu_);
    auto st = SKIFF_TRY(db_->Prepare("SELECT image_id FROM refs WHERE container_id=? AND snapshot=1"));
    st.Bind(1, container_id);
    if (!SKIFF_TRY(st.Step())) return Error(Errc::kNotFound, "no snapshot for container " + container_id);
    image = st.Text(0);
  }
  std::vector<Digest> diffs;
  for (const auto& l : SKIFF_TRY(ImageLayers(*Digest::Parse(image)))) diffs.push_back(l.diff_id);
  return snaps_->MountSnapshot(container_id, diffs);
}

Status ImageStore::UnmountContainerSnapshot(const std::string& container_id) {
  return snaps_->UnmountSnapshot(container_id);
}

Status ImageStore::RemoveContainerSnapshot(const std::string& container_id) {
  SKIFF_TRY(snaps_->RemoveSnapshot(container_id));
  return ReleaseImageReference(container_id);
}

Status ImageStore::ExportContainer(const std::string& container_id, storage::ByteWriter& out,
                                   const storage::OwnerNames* names) {
  std::string merged = snaps_->SnapshotMerged(container_id);
  bool was_mounted = storage::IsMountPoint(merged);
  std::string root = SKIFF_TRY(MountContainerSnapshot(container_id));
  auto r = storage::WriteTree(root, storage::TreeMode::kFlat, out, names);
  if (!was_mounted) SKIFF_TRY(snaps_->UnmountSnapshot(container_id));
  if (!r.ok()) return std::move(r).error().Wrap("export " + container_id);
  return Ok();
}

}  // namespace skiff::image
