// SPDX-License-Identifier: GPL-2.0
/* No assembly needs structure offsets; Kbuild requires the file. */
int main(void)
{
	return 0;
}
