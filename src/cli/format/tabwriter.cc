#include "cli/format/tabwriter.h"

namespace skiff::cli::format {
namespace {

constexpr char kEscape = '\xff';

int RuneCount(std::string_view s) {
  // Go's utf8.RuneCount: every invalid byte counts as one rune.
  int n = 0;
  for (size_t i = 0; i < s.size(); ++n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t w = 1;
    if (c >= 0xC2 && c <= 0xF4) {
      w = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      bool ok = i + w <= s.size();
      for (size_t k = 1; ok && k < w; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
      if (ok && w == 3) {
        unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
        ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 > 0x9F);
      }
      if (ok && w == 4) {
        unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
        ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 > 0x8F);
      }
      if (!ok) w = 1;
    }
    i += w;
  }
  return n;
}

}  // namespace

TabWriter::TabWriter(int minwidth, int tabwidth, int padding, char padchar, unsigned flags)
    : minwidth_(minwidth < 0 ? 0 : minwidth),
      tabwidth_(tabwidth < 0 ? 0 : tabwidth),
      padding_(padding < 0 ? 0 : padding),
      padchar_(padchar),
      flags_(padchar == '\t' ? flags & ~static_cast<unsigned>(kAlignRight) : flags) {
  Reset();
}

void TabWriter::AddLine(bool /*flushed*/) { lines_.emplace_back(); }

void TabWriter::Reset() {
  buf_.clear();
  pos_ = 0;
  cell_ = Cell();
  endChar_ = 0;
  lines_.clear();
  widths_.clear();
  AddLine(true);
}

void TabWriter::WritePadding(int textw, int cellw, bool use_tabs) {
  if (padchar_ == '\t' || use_tabs) {
    // Padding is done with tabs.
    if (tabwidth_ == 0) return;  // tabs have no width - can't do any padding
    // Make cellw the smallest multiple of tabwidth.
    cellw = (cellw + tabwidth_ - 1) / tabwidth_ * tabwidth_;
    int n = cellw - textw;  // amount of padding
    out_.append(static_cast<size_t>((n + tabwidth_ - 1) / tabwidth_), '\t');
    return;
  }
  // Padding is done with non-tab characters.
  if (cellw > textw) out_.append(static_cast<size_t>(cellw - textw), padchar_);
}

void TabWriter::WriteLines(int line0, int line1) {
  for (int i = line0; i < line1; ++i) {
    const std::vector<Cell>& line = lines_[static_cast<size_t>(i)];
    // Leading empty cells are written as tabs with TabIndent.
    bool use_tabs = (flags_ & kTabIndent) != 0;
    for (size_t j = 0; j < line.size(); ++j) {
      const Cell& c = line[j];
      if (j > 0 && (flags_ & kDebug) != 0) out_.push_back('|');
      if (c.size == 0) {
        // Empty cell.
        if (j < widths_.size()) WritePadding(c.width, widths_[j], use_tabs);
      } else {
        // Non-empty cell.
        use_tabs = false;
        if ((flags_ & kAlignRight) == 0) {
          out_.append(buf_, pos_, c.size);
          pos_ += c.size;
          if (j < widths_.size()) WritePadding(c.width, widths_[j], false);
        } else {
          if (j < widths_.size()) WritePadding(c.width, widths_[j], false);
          out_.append(buf_, pos_, c.size);
          pos_ += c.size;
        }
      }
    }
    if (static_cast<size_t>(i) + 1 == lines_.size()) {
      // The last buffered line has no cell terminator: its text is the incomplete cell.
      out_.append(buf_, pos_, cell_.size);
      pos_ += cell_.size;
    } else {
      out_.push_back('\n');
    }
  }
}

// Formats lines [line0, line1) at column depth widths_.size(); pos_ walks the text in order.
int TabWriter::Format(int /*pos*/, int line0, int line1) {
  size_t column = widths_.size();
  for (int cur = line0; cur < line1; ++cur) {
    if (column + 1 >= lines_[static_cast<size_t>(cur)].size()) continue;
    // Cell exists in this column => this line has more cells than the previous line (the last cell of a
    // line is not part of the alignment). Print the unprinted lines until the beginning of the block.
    WriteLines(line0, cur);
    line0 = cur;
    // Column block begin.
    int width = minwidth_;
    bool discardable = true;  // true if all cells in this column are empty and "soft"
    for (; cur < line1; ++cur) {
      const std::vector<Cell>& line = lines_[static_cast<size_t>(cur)];
      if (column + 1 >= line.size()) break;
      // Cell exists in this column.
      const Cell& c = line[column];
      if (int w = c.width + padding_; w > width) width = w;
      if (c.width > 0 || c.htab) discardable = false;
    }
    // Column block end; discard empty columns if necessary.
    if (discardable && (flags_ & kDiscardEmptyColumns) != 0) width = 0;
    // Format and print all columns to the right of this column (the width of this column is known).
    widths_.push_back(width);
    Format(0, line0, cur);
    widths_.pop_back();
    line0 = cur;
  }
  // Print the unprinted lines until the end.
  WriteLines(line0, line1);
  return 0;
}

void TabWriter::UpdateWidth() {
  cell_.width += RuneCount(std::string_view(buf_).substr(pos_));
  pos_ = buf_.size();
}

void TabWriter::StartEscape(char ch) {
  switch (ch) {
    case kEscape: endChar_ = kEscape; break;
    case '<': endChar_ = '>'; break;
    case '&': endChar_ = ';'; break;
    default: break;
  }
}

void TabWriter::EndEscape() {
  switch (endChar_) {
    case kEscape:
      UpdateWidth();
      if ((flags_ & kStripEscape) == 0) cell_.width -= 2;  // don't count the Escape chars
      break;
    case '>': break;  // tag of zero width
    case ';': cell_.width++; break;  // entity, count as one rune
    default: break;
  }
  pos_ = buf_.size();
  endChar_ = 0;
}

void TabWriter::TerminateCell(bool htab) {
  cell_.htab = htab;
  lines_.back().push_back(cell_);
  cell_ = Cell();
}

void TabWriter::FlushInternal() {
  // Add the current cell if not empty.
  if (cell_.size > 0) {
    if (endChar_ != 0) EndEscape();  // inside escape - terminate it even if incomplete
    TerminateCell(false);
  }
  // Format the contents of the buffer (pos_ now walks the text being written).
  pos_ = 0;
  Format(0, 0, static_cast<int>(lines_.size()));
  Reset();
}

void TabWriter::Write(std::string_view text) {
  // Split the text into cells.
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (endChar_ == 0) {
      // Outside escape.
      switch (ch) {
        case '\t': case '\v': case '\n': case '\f': {
          // End of cell.
          buf_.append(text.substr(n, i - n));
          cell_.size += i - n;
          UpdateWidth();
          n = i + 1;  // ch consumed
          TerminateCell(ch == '\t');
          size_t ncells = lines_.back().size();
          if (ch == '\n' || ch == '\f') {
            // Terminate line.
            AddLine(ch == '\f');
            if (ch == '\f' || ncells == 1) {
              // A line with one cell (or a form feed) ends every column block: flush what is buffered.
              FlushInternal();
              if (ch == '\f' && (flags_ & kDebug) != 0) out_ += "---\n";
            }
          }
          break;
        }
        case kEscape:
          // Start of escaped sequence.
          buf_.append(text.substr(n, i - n));
          cell_.size += i - n;
          UpdateWidth();
          n = i;
          if ((flags_ & kStripEscape) != 0) ++n;  // strip Escape
          StartEscape(kEscape);
          break;
        case '<': case '&':
          // Possibly an html tag/entity.
          if ((flags_ & kFilterHTML) != 0) {
            buf_.append(text.substr(n, i - n));
            cell_.size += i - n;
            UpdateWidth();
            n = i;
            StartEscape(ch);
          }
          break;
        default: break;
      }
    } else if (ch == endChar_) {
      // Inside escape: end of escaped sequence.
      size_t j = i + 1;
      if (ch == kEscape && (flags_ & kStripEscape) != 0) j = i;  // strip Escape
      buf_.append(text.substr(n, j - n));
      cell_.size += j - n;
      n = i + 1;  // ch consumed
      EndEscape();
    }
  }
  // Append leftover text.
  buf_.append(text.substr(n));
  cell_.size += text.size() - n;
}

std::string TabWriter::Flush() {
  FlushInternal();
  std::string out = std::move(out_);
  out_.clear();
  return out;
}

}  // namespace skiff::cli::format
