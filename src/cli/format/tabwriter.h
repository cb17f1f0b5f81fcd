// Go's text/tabwriter: aligns tab-terminated cells into columns, byte-for-byte like Go's (Docker's tables
// use TabWriter(10, 1, 3, ' ', 0)). A TabWriter owns its buffered text; Write appends, Flush returns the
// formatted text of everything written so far and resets the writer for reuse.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace skiff::cli::format {

class TabWriter {
 public:
  // Go's flag bits, same values.
  enum Flag : unsigned {
    kFilterHTML = 1u << 0,           // HTML tags take no width, entities count as one rune
    kStripEscape = 1u << 1,          // drop the 0xff escape bytes
    kAlignRight = 1u << 2,           // pad on the left
    kDiscardEmptyColumns = 1u << 3,  // columns of empty cells (tab-terminated only) take no width
    kTabIndent = 1u << 4,            // leading empty cells are written as tabs, whatever padchar is
    kDebug = 1u << 5,                // print '|' between columns
  };

  TabWriter(int minwidth, int tabwidth, int padding, char padchar, unsigned flags);  // Go's semantics
  void Write(std::string_view text);  // buffers; cells are tab-terminated, lines end with '\n'
  std::string Flush();                // returns the aligned text and resets

 private:
  struct Cell {
    size_t size = 0;   // bytes of the cell text
    int width = 0;     // width in runes
    bool htab = false; // terminated by '\t' (vs '\v')
  };

  void Reset();
  void AddLine(bool flushed);
  void UpdateWidth();
  void TerminateCell(bool htab);
  void StartEscape(char ch);
  void EndEscape();
  void WritePadding(int textw, int cellw, bool use_tabs);
  void WriteLines(int line0, int line1);
  int Format(int pos, int line0, int line1);
  void FlushInternal();

  int minwidth_, tabwidth_, padding_;
  char padchar_;
  unsigned flags_;

  std::string buf_;                    // collected text excluding tabs and line breaks
  size_t pos_ = 0;                     // buffer position up to which cell.width of incomplete cell computed
  Cell cell_;                          // current incomplete cell
  char endChar_ = 0;                   // terminating char of escaped sequence (0 if none)
  std::vector<std::vector<Cell>> lines_;
  std::vector<int> widths_;            // column widths in runes, reused during formatting
  std::string out_;                    // formatted output collected by Write's implicit flushes
};

}  // namespace skiff::cli::format
